import type { Logger } from '@recordstore/core';
import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { createCliLogger } from './logger.js';
import { Output } from './output.js';
import { type GlobalOptions, resolveTarget, type StoreTarget } from './target.js';

/** State of one CLI run shared by the commands and the error handler. */
export interface RunState {
  exitCode: number;
  /** Whether `--json` was given (decides how errors print). */
  json: boolean;
  verbose: boolean;
  /** Secret values seen in the config, never printed. */
  secrets: string[];
}

/** What a command's action works with. */
export interface CommandContext {
  io: CliIo;
  out: Output;
  /**
   * The logger every store this command opens gets: backend warnings on stderr, debug lines with
   * `--verbose`, secrets masked.
   */
  logger: Logger;
  /** The global options merged with the command's own. */
  options: GlobalOptions & Record<string, unknown>;
  /**
   * Everything on the command line the command did not parse itself, in order: its arguments and, for a
   * command that accepts them (`task`), options it does not declare.
   */
  operands: readonly string[];
  /** Sets the exit code without failing (e.g. `health` of an unhealthy store). */
  setExitCode(code: number): void;
  /** Resolves the store to work on from `--config`, `--env`, `--storage`. */
  target(): Promise<StoreTarget>;
  /** Registers secret values (from a store given on the command line) to remove from error messages. */
  addSecrets(values: readonly string[]): void;
}

/**
 * Wraps a command action: builds its context from the parsed options, so each command gets the same
 * `--json`, `--verbose` and store resolution.
 */
export function makeAction(
  io: CliIo,
  state: RunState,
  fn: (ctx: CommandContext, args: string[]) => Promise<void>,
): (...all: unknown[]) => Promise<void> {
  return async (...all: unknown[]) => {
    const command = all[all.length - 1] as Command;
    const options = command.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
    state.json = options.json === true;
    state.verbose = options.verbose === true;
    const out = new Output(io, { json: state.json, verbose: state.verbose });
    // Commander calls an action with (...declared arguments, options, command).
    const args = all.slice(0, -2) as string[];
    const logger = createCliLogger(io, { verbose: state.verbose, secrets: state.secrets });
    const ctx: CommandContext = {
      io,
      out,
      logger,
      options,
      operands: [...command.args],
      setExitCode: (code) => {
        state.exitCode = code;
      },
      target: async () => {
        const target = await resolveTarget(options, io);
        target.logger = logger;
        state.secrets.push(...target.secrets);
        out.debug(
          `recordstore: using ${target.file ?? 'the embedded default store'}, storage "${target.storageName}" (class ${target.class})${target.environment ? `, environment ${target.environment}` : ''}`,
        );
        return target;
      },
      addSecrets: (values) => {
        state.secrets.push(...values);
      },
    };
    await fn(ctx, args);
  };
}
