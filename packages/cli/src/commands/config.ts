import { maskSecrets, validateBackendConfig, validateLoadedConfig } from '@recordstore/core';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { type CommandContext, makeAction, type RunState } from '../context.js';
import type { CliIo } from '../io.js';
import { EMBEDDED_DEFAULT, loadConfigOf } from '../target.js';

/** One storage type as `config check` reports it. */
export interface CheckedStorageType {
  name: string;
  /** The registered backend name the class resolved to. */
  backend: string;
  /** True for the file's default storage type. */
  default: boolean;
  /** Existing-layer keys renamed to the design's names, e.g. enable_ttl -> ttl_enabled. */
  mappedKeys: { from: string; to: string }[];
}

/** Registers `config check` and `config print`. */
export function registerConfig(program: Command, io: CliIo, state: RunState): void {
  const config = program.command('config').description('validate or print the config file');
  config
    .command('check')
    .summary('validate the config file; exits 0 when valid, 2 when invalid')
    .description(
      'validate the config file (interpolation, environment overlay, every storage type against its backend schema)\n' +
        'and list the existing-layer keys that were mapped to the design names (enable_ttl -> ttl_enabled).\n' +
        'Exits 0 when valid, 2 when invalid (the message names the key path).',
    )
    .action(makeAction(io, state, configCheck));
  config
    .command('print')
    .description(
      'print the resolved config (after interpolation and the environment overlay), secrets masked',
    )
    .action(makeAction(io, state, configPrint));
}

async function configCheck(ctx: CommandContext): Promise<void> {
  const { io, out } = ctx;
  const loaded = await loadConfigOf(ctx.options, io);
  let result: { file: string | null; environment: string | null; storageTypes: CheckedStorageType[] };
  if (loaded === null) {
    const checked = await validateBackendConfig(EMBEDDED_DEFAULT.class, EMBEDDED_DEFAULT.config, {
      baseDir: io.cwd,
      path: 'default.config',
    });
    result = {
      file: null,
      environment: null,
      storageTypes: [
        { name: 'default', backend: checked.name, default: true, mappedKeys: checked.mappedKeys },
      ],
    };
  } else {
    const checked = await validateLoadedConfig(loaded);
    result = {
      file: loaded.file,
      environment: loaded.environment,
      storageTypes: checked.map((entry) => ({
        name: entry.name,
        backend: entry.backend,
        default: entry.name === loaded.defaultStorage,
        mappedKeys: entry.mappedKeys,
      })),
    };
  }
  out.result({ valid: true, ...result }, () => {
    const { c } = out;
    const where = result.file ?? 'no config file: the embedded SQLite store (./data/recordstore.db)';
    out.line(
      `${c.bold('config')} ${where}${result.environment ? ` ${c.dim(`(environment: ${result.environment})`)}` : ''}`,
    );
    for (const type of result.storageTypes) {
      out.line(
        `  ${c.green('✓')} ${c.bold(type.name)}${type.default ? c.dim(' (default)') : ''}: ${type.backend}`,
      );
      for (const mapped of type.mappedKeys)
        out.line(`      ${c.dim('mapped')} ${mapped.from} -> ${mapped.to}`);
    }
    const n = result.storageTypes.length;
    out.line(c.green(`config is valid: ${n} storage type${n === 1 ? '' : 's'}`));
  });
}

async function configPrint(ctx: CommandContext): Promise<void> {
  const { io, out } = ctx;
  const loaded = await loadConfigOf(ctx.options, io);
  const resolved =
    loaded === null
      ? {
          file: null,
          environment: null,
          default: 'default',
          storage_types: { default: { class: EMBEDDED_DEFAULT.class, config: EMBEDDED_DEFAULT.config } },
        }
      : {
          file: loaded.file,
          environment: loaded.environment,
          default: loaded.defaultStorage,
          storage_types: Object.fromEntries(
            Object.entries(loaded.storageTypes).map(([name, { name: _name, ...type }]) => [name, type]),
          ),
        };
  const masked = maskSecrets(resolved);
  out.result(masked, () => {
    const { file, environment, ...body } = masked;
    out.line(out.c.dim(`# ${file ?? 'no config file: the embedded default store'}`));
    if (environment) out.line(out.c.dim(`# environment overlay: ${environment}`));
    out.line(stringify(body).trimEnd());
  });
}
