/**
 * @recordstore/cli: the `recordstore` command. `runCli` runs it in-process (tests, embedding); the
 * `recordstore` executable is `dist/bin.js`.
 */
export { CliError, type CliErrorKind, usageError } from './cli-error.js';
export { runTour, type TourSummary } from './commands/tour.js';
export { EXIT, type ExitCode } from './exit-codes.js';
export { type CliIo, type CliWritable, processIo } from './io.js';
export { Output } from './output.js';
export { buildProgram, runCli, VERSION } from './program.js';
export {
  DEFAULT_CONFIG_FILE,
  EMBEDDED_DEFAULT,
  type GlobalOptions,
  resolveTarget,
  type StoreTarget,
} from './target.js';
