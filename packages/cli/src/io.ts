import { dirname } from 'node:path';

/** A place the CLI writes text to (a process stream, or a buffer in tests). */
export interface CliWritable {
  write(chunk: string): unknown;
  /** True when the stream is a terminal: colors and decorations are used only then. */
  isTTY?: boolean;
}

/** Everything the CLI touches outside itself, so {@link runCli} can run in-process with fake streams. */
export interface CliIo {
  stdout: CliWritable;
  stderr: CliWritable;
  /** Read by `put -`. */
  stdin?: NodeJS.ReadableStream;
  /** Environment variables: config interpolation, RECORDSTORE_ENV, NODE_ENV, NO_COLOR, FORCE_COLOR. */
  env: Record<string, string | undefined>;
  /** The working directory: `./recordstore.yaml` and `./data/recordstore.db` are found from here. */
  cwd: string;
}

/** The {@link CliIo} of the current process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Reads a whole stream as UTF-8 text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The folder relative paths in a config file are resolved from. */
export function configBaseDir(file: string | null, cwd: string): string {
  return file === null ? cwd : dirname(file);
}
