import { execFile } from 'node:child_process';

/** Output of a finished command. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  cwd?: string;
  timeoutMs?: number;
}

/** Thrown when a command fails; the message carries the end of its output. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly output: CommandOutput,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Runs a program without a shell (arguments are never re-parsed) and collects its output. */
export function runCommand(
  file: string,
  args: string[],
  options: RunCommandOptions = {},
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const output = { stdout, stderr };
        const detail = lastLines(`${stdout}\n${stderr}`, 12);
        reject(
          new CommandError(
            `${file} failed (${error.message.split('\n')[0]})${detail ? `:\n${detail}` : ''}`,
            output,
            { cause: error },
          ),
        );
      },
    );
  });
}

/** The last `count` non-empty lines of `text`, for error messages. */
export function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .join('\n');
}
