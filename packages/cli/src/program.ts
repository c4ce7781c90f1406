import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { redact, toErrorReport } from './cli-error.js';
import { registerAudit } from './commands/audit.js';
import { registerBackup } from './commands/backup.js';
import { registerCleanup } from './commands/cleanup.js';
import { registerConfig } from './commands/config.js';
import { registerCopy } from './commands/copy.js';
import { registerHealth } from './commands/health.js';
import { registerInit } from './commands/init.js';
import { registerMetrics } from './commands/metrics.js';
import { registerMigrate } from './commands/migrate.js';
import { registerRecords } from './commands/records.js';
import { registerStats } from './commands/stats.js';
import { registerTask, registerTaskAliases } from './commands/task.js';
import { registerTour } from './commands/tour.js';
import type { RunState } from './context.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import type { CliIo } from './io.js';
import { colorEnabled, toJsonText } from './output.js';
import { configFileOf } from './target.js';

/**
 * The package version, printed by `--version`: read from this package's package.json at run time, so a
 * release cannot leave it stale. Both `src/program.ts` (tests) and the bundled `dist/*.js` sit one folder
 * below the package root.
 */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Builds the `recordstore` program. Commands report through `state`; nothing calls process.exit. */
export function buildProgram(io: CliIo, state: RunState): Command {
  const program = new Command('recordstore');
  program
    .description(
      'Store, query and operate recordstore records on any registered backend (SQLite, PostgreSQL, ...).\n' +
        'Without a command it runs the tour on the embedded SQLite store; with a config file (./recordstore.yaml\n' +
        'or --config) it prints this help instead and writes nothing.',
    )
    .version(VERSION, '-V, --version')
    .option(
      '-c, --config <file>',
      `config file (default: ./recordstore.yaml when present, else the embedded SQLite store at ./data/recordstore.db)`,
    )
    .option(
      '-e, --env <name>',
      'environment overlay of the config file (default: RECORDSTORE_ENV, else NODE_ENV)',
    )
    .option('-s, --storage <name>', "storage type of the config file to use (default: the file's default)")
    .option('--json', 'machine-readable output: one JSON document on stdout')
    .addOption(new Option('-v, --verbose', 'more detail on stderr, and stack traces of errors'))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`recordstore: ${text.replace(/^error: /, '')}`),
      getOutHasColors: () => colorEnabled(io.stdout, io.env),
      getErrHasColors: () => colorEnabled(io.stderr, io.env),
    });

  registerTour(program, io, state);
  registerConfig(program, io, state);
  registerInit(program, io, state);
  registerHealth(program, io, state);
  registerStats(program, io, state);
  registerRecords(program, io, state);
  registerCleanup(program, io, state);
  registerMigrate(program, io, state);
  registerTask(program, io, state);
  registerTaskAliases(program, io, state);
  registerAudit(program, io, state);
  registerMetrics(program, io, state);
  registerBackup(program, io, state);
  registerCopy(program, io, state);

  for (const command of program.commands) addExitCodesHelp(command);
  return program;
}

function addExitCodesHelp(command: Command): void {
  command.addHelpText('after', EXIT_CODES_HELP);
  for (const sub of command.commands) addExitCodesHelp(sub);
}

/**
 * Runs the `recordstore` command line and resolves to its exit code (it never calls `process.exit`, so
 * tests and embedding applications can run it in-process).
 *
 * @param argv the arguments after the executable, e.g. `['list', '--limit', '5']`
 * @param io streams, environment and working directory
 * @example
 * const code = await runCli(['health', '--json'], processIo());
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // `pnpm start -- <command>` passes the `--` through; it has no meaning of its own here.
  const given = argv[0] === '--' ? argv.slice(1) : [...argv];
  const args = withDefaultCommand(given, { configured: namesConfig(given, io) });
  const state: RunState = {
    exitCode: EXIT.ok,
    json: given.includes('--json'),
    verbose: given.includes('--verbose') || given.includes('-v'),
    secrets: [],
  };
  const program = buildProgram(io, state);
  if (args === null) {
    // No command, and a config file names the store: never write to it unasked.
    program.outputHelp();
    io.stderr.write(NO_COMMAND_HINT);
    return EXIT.ok;
  }
  try {
    await program.parseAsync(args, { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" for commander; everything else is a usage error it already printed.
      if (error.exitCode === 0) return EXIT.ok;
      if (state.json) {
        io.stdout.write(
          `${toJsonText({ error: { kind: 'usage', message: error.message.replace(/^error: /, '') } })}\n`,
        );
      }
      return EXIT.usage;
    }
    const report = toErrorReport(error);
    const message = redact(report.message, state.secrets);
    io.stderr.write(`recordstore: ${message}\n`);
    if (state.verbose && error instanceof Error) {
      io.stderr.write(`${redact(describeStack(error), state.secrets)}\n`);
    }
    if (state.json) {
      const body: Record<string, unknown> = { kind: report.kind, message };
      if (report.path !== undefined) body.path = report.path;
      io.stdout.write(`${toJsonText({ error: body })}\n`);
    }
    return report.exitCode;
  }
}

// Global options that take a value: the token after them is not a command name.
const VALUE_OPTIONS = new Set(['-c', '--config', '-e', '--env', '-s', '--storage']);

const NO_COMMAND_HINT =
  '\nrecordstore: no command given, and a config file is in use (./recordstore.yaml or --config), so ' +
  'nothing was run: the tour writes sample records and runs on its own only on the embedded default ' +
  'store. Name a command, e.g. `recordstore health`, or `recordstore tour` to run the tour on the ' +
  'configured store (it asks for --yes when that store holds records).\n';

/**
 * Adds the default command, `tour`, when the arguments name no command and no config file is in use
 * (`configured` false: the embedded default store); returns null when they name no command but a config
 * file is in use (the caller prints help: a bare `recordstore` never writes to a configured store). Done
 * here rather than with commander's `isDefault`, so that a mistyped command is reported as unknown
 * instead of being handed to the tour as an argument.
 */
export function withDefaultCommand(args: string[], options: { configured: boolean }): string[] | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h' || arg === '--help' || arg === '-V' || arg === '--version') return args;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return args;
  }
  return options.configured ? null : [...args, 'tour'];
}

/** True when the arguments give `--config`, or ./recordstore.yaml exists in the working directory. */
function namesConfig(args: readonly string[], io: CliIo): boolean {
  const option = args.some((a) => a === '-c' || a === '--config' || a.startsWith('--config='));
  return option || configFileOf({}, io) !== null;
}

function describeStack(error: Error): string {
  let text = error.stack ?? String(error);
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    text += `\ncaused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}
