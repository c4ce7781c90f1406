import { registerBackend, StorageError } from '@recordstore/core';

/** A backend package the CLI ships with, registered under its name and aliases. */
interface Builtin {
  name: string;
  packageName: string;
  aliases: string[];
  /** Imports the package's store class (a class with a static `definition`). */
  load(): Promise<unknown>;
}

// The only place the CLI names its backend packages. The specifiers are literal so that they resolve from
// the CLI's own location, where both packages are dependencies.
const BUILTINS: readonly Builtin[] = [
  {
    name: 'sqlite',
    packageName: '@recordstore/sqlite',
    aliases: ['SQLiteStorageBackend'],
    load: () => import('@recordstore/sqlite').then((m) => m.SQLiteStorageBackend),
  },
  {
    name: 'postgresql',
    packageName: '@recordstore/postgres',
    aliases: ['postgres', 'pg', 'PostgreSQLStorageBackend'],
    load: () => import('@recordstore/postgres').then((m) => m.PostgreSQLStorageBackend),
  },
];

let registered = false;

/** Imports a built-in backend; a failure names the package and what to do. */
async function loadBuiltin(builtin: Builtin): Promise<unknown> {
  try {
    return await builtin.load();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new StorageError(
      'config',
      `Backend "${builtin.name}" could not be loaded from ${builtin.packageName}: ${message}. Reinstall the CLI with its dependencies (in this repository: pnpm install && pnpm build).`,
      { cause: error },
    );
  }
}

/**
 * Registers the built-in backends with lazy loaders, so a command pays only for the driver it uses:
 * an SQLite store never imports `pg`, and `config check` imports a driver only to validate its config.
 * The imports resolve from the CLI's own location (core's own registrations resolve from the config's
 * folder and the working directory, where an operator running `recordstore` from any folder has not
 * installed them). Everything else reaches backends through the registry and their capabilities.
 */
export function registerBuiltinBackends(): void {
  if (registered) return;
  registered = true;
  for (const builtin of BUILTINS) {
    registerBackend(builtin.name, () => loadBuiltin(builtin), {
      aliases: builtin.aliases,
      packageName: builtin.packageName,
    });
  }
}
