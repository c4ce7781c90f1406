import { type Logger, maskSecrets } from '@recordstore/core';
import { redact } from './cli-error.js';
import type { CliIo } from './io.js';
import { toJsonText } from './output.js';

/**
 * The logger the CLI gives every backend it opens: backend warnings and errors (slow queries, a replica
 * down, a failed scheduled backup) always reach stderr, info and debug lines only with `--verbose`. One
 * line per entry, `recordstore: <level>: <message> <fields as JSON>`, on stderr so `--json` output on
 * stdout stays parseable. Secrets never print: secret-named fields and URL passwords are masked, and every
 * secret value of the config is removed from the whole line.
 */
export function createCliLogger(
  io: Pick<CliIo, 'stderr'>,
  options: { verbose: boolean; secrets: readonly string[] },
): Logger {
  const write = (level: string, obj: object, msg?: string) => {
    let fields = '';
    try {
      fields = toJsonText(maskSecrets(obj), 0);
    } catch {
      fields = '{}';
    }
    const text = `recordstore: ${level}: ${msg ?? ''}${fields === '{}' ? '' : ` ${fields}`}`;
    io.stderr.write(`${redact(text, options.secrets)}\n`);
  };
  return {
    debug: (obj, msg) => {
      if (options.verbose) write('debug', obj, msg);
    },
    info: (obj, msg) => {
      if (options.verbose) write('info', obj, msg);
    },
    warn: (obj, msg) => write('warn', obj, msg),
    error: (obj, msg) => write('error', obj, msg),
  };
}
