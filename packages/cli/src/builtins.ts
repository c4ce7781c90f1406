import { type BackendClass, registerBackend, StorageError } from '@recordstore/core';

let registered = false;

/** Imports a backend package from the CLI's location; a failure names the package and what to do. */
async function loadExport(
  name: string,
  packageName: string,
  load: () => Promise<unknown>,
): Promise<BackendClass> {
  try {
    return (await load()) as BackendClass;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new StorageError(
      'config',
      `Backend "${name}" could not be loaded from ${packageName}: ${message}. Reinstall the CLI with its dependencies (in this repository: pnpm install && pnpm build).`,
      { cause: error },
    );
  }
}

/**
 * Registers the built-in backends with lazy loaders, so a command pays only for the driver it uses:
 * an SQLite store never imports `pg`, and `config check` imports a driver only to validate its config.
 * The imports resolve from the CLI's own location, where both packages are dependencies (core's own
 * registrations resolve from the config's folder and the working directory, where an operator running
 * `recordstore` from any folder has not installed them).
 */
export function registerBuiltinBackends(): void {
  if (registered) return;
  registered = true;
  registerBackend(
    'sqlite',
    () =>
      loadExport('sqlite', '@recordstore/sqlite', () =>
        import('@recordstore/sqlite').then((m) => m.SQLiteStorageBackend),
      ),
    { aliases: ['SQLiteStorageBackend'], packageName: '@recordstore/sqlite' },
  );
  registerBackend(
    'postgresql',
    () =>
      loadExport('postgresql', '@recordstore/postgres', () =>
        import('@recordstore/postgres').then((m) => m.PostgreSQLStorageBackend),
      ),
    { aliases: ['postgres', 'pg', 'PostgreSQLStorageBackend'], packageName: '@recordstore/postgres' },
  );
}
