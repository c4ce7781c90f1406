import pc from 'picocolors';
import type { CliIo, CliWritable } from './io.js';

/** The colour functions the CLI uses; identity functions when colour is off. */
export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Whether to colour a stream: never when NO_COLOR is set (https://no-color.org) or TERM is `dumb`,
 * always when FORCE_COLOR is set to something other than 0, otherwise only on a terminal.
 */
export function colorEnabled(stream: CliWritable, env: CliIo['env']): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** Serializes a value for `--json` output (Dates as ISO-8601 strings, Buffers omitted). */
export function toJsonText(value: unknown, indent = 2): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), indent);
}

/**
 * Writes command results: human text (with colour on a terminal) or, with `--json`, exactly one JSON
 * document on stdout. Diagnostics go to stderr in both modes so stdout stays parseable.
 */
export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  /** Colours for stdout. */
  readonly c: Colors;
  /** Colours for stderr. */
  readonly ce: Colors;
  readonly #io: CliIo;

  constructor(io: CliIo, options: { json: boolean; verbose: boolean }) {
    this.#io = io;
    this.json = options.json;
    this.verbose = options.verbose;
    this.c = pc.createColors(!options.json && colorEnabled(io.stdout, io.env));
    this.ce = pc.createColors(colorEnabled(io.stderr, io.env));
  }

  /** A line of human output on stdout (ignored in `--json` mode). */
  line(text = ''): void {
    if (!this.json) this.#io.stdout.write(`${text}\n`);
  }

  /** A section heading. */
  heading(text: string): void {
    this.line();
    this.line(this.c.bold(this.c.cyan(`== ${text}`)));
  }

  /** A label: value line, indented. */
  field(label: string, value: unknown, indent = 2): void {
    const text = typeof value === 'string' ? value : toJsonText(value, 0);
    this.line(`${' '.repeat(indent)}${this.c.dim(`${label}:`)} ${text}`);
  }

  /** The one JSON document of a `--json` run. */
  document(value: unknown): void {
    this.#io.stdout.write(`${toJsonText(value)}\n`);
  }

  /** Prints `doc` as JSON in `--json` mode, else runs `human`. */
  result(doc: unknown, human: () => void): void {
    if (this.json) this.document(doc);
    else human();
  }

  /** A diagnostic on stderr (both modes). */
  note(text: string): void {
    this.#io.stderr.write(`${text}\n`);
  }

  /** A diagnostic on stderr shown only with `--verbose`. */
  debug(text: string): void {
    if (this.verbose) this.#io.stderr.write(`${this.ce.dim(text)}\n`);
  }
}
