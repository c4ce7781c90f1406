import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import { DEFAULT_CONFIG_FILE } from '../target.js';

/** The commented starter config `recordstore init` writes. It validates as written. */
export const STARTER_CONFIG = `# recordstore configuration, written by \`recordstore init\`.
# Check it with \`recordstore config check\`; print it resolved with \`recordstore config print\`.
# Any value may use \${VAR} or \${VAR:default} to read an environment variable.

# The storage type commands use when --storage is not given.
default: default

storage_types:
  # Embedded SQLite: one file, no server (a relative path resolves from the working directory).
  default:
    # A registered alias (sqlite, postgresql, memory), a class name (SQLiteStorageBackend),
    # the existing layer's dotted path, or "package-or-path#ExportName" for a third-party adapter.
    class: sqlite
    description: "Embedded SQLite store"
    config:
      path: "\${RECORDSTORE_SQLITE_PATH:./data/recordstore.db}"
      # Give records without expires_at a default time to live (the existing layer's enable_ttl).
      ttl_enabled: false
      default_ttl_seconds: 3600
      # Compress records whose JSON is larger than compression_threshold bytes.
      compression_enabled: false
      compression_threshold: 1024
      # Rows per statement for bulk writes and cleanup batches.
      batch_size: 1000

  # PostgreSQL: uncomment, set the POSTGRES_* variables, then run
  #   recordstore migrate up --storage postgresql
  # postgresql:
  #   class: postgresql
  #   config:
  #     host: "\${POSTGRES_HOST:localhost}"
  #     port: "\${POSTGRES_PORT:5432}"
  #     database: "\${POSTGRES_DB:recordstore}"
  #     username: "\${POSTGRES_USER:postgres}"
  #     password: "\${POSTGRES_PASSWORD:}"
  #     connection_pool_size: 10
  #     ssl_mode: prefer
  #     auto_migrate: false

# Per-environment overrides, chosen by --env, else RECORDSTORE_ENV, else NODE_ENV.
# They are merged over the blocks above, key by key.
# environments:
#   production:
#     storage_types:
#       default:
#         config:
#           ttl_enabled: true
#           default_ttl_seconds: 86400
`;

/** Registers `init`. */
export function registerInit(program: Command, io: CliIo, state: RunState): void {
  program
    .command('init')
    .option('--force', 'overwrite an existing file')
    .description(
      `write a commented starter config to ./${DEFAULT_CONFIG_FILE} (or the --config path); refuses to overwrite without --force`,
    )
    .action(makeAction(io, state, init));
}

async function init(ctx: CommandContext): Promise<void> {
  const file = resolve(ctx.io.cwd, ctx.options.config ?? DEFAULT_CONFIG_FILE);
  const existed = existsSync(file);
  if (existed && ctx.options.force !== true) {
    throw new CliError('usage', `${file} already exists; pass --force to overwrite it.`, { path: 'config' });
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, STARTER_CONFIG, 'utf8');
  const shown = relative(ctx.io.cwd, file) || file;
  ctx.out.result({ file, overwritten: existed }, () => {
    ctx.out.line(`${existed ? 'overwrote' : 'wrote'} ${shown}`);
    ctx.out.line(
      ctx.out.c.dim(`next: recordstore config check${ctx.options.config ? ` --config ${shown}` : ''}`),
    );
  });
}
