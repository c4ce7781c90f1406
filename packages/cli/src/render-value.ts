import { stringify } from 'yaml';
import { type Output, toJsonText } from './output.js';

// A YAML mapping key at the start of a line, possibly as the first key of a list item.
const KEY = /^(\s*(?:- )?)([^\s:#-][^:]*):(?=\s|$)/;

/**
 * Prints any JSON-serialisable report as text: the human form of results whose shape the CLI does not
 * know (admin tasks of any backend). YAML reads well for nested reports; keys are dimmed on a terminal.
 * In `--json` mode callers print the report itself instead.
 */
export function printValue(out: Output, value: unknown): void {
  const json = toJsonText(value);
  const plain: unknown = json === undefined ? null : JSON.parse(json);
  if (plain === null) {
    out.line('done');
    return;
  }
  if (typeof plain !== 'object') {
    out.line(String(plain));
    return;
  }
  const text = stringify(plain, { lineWidth: 0 }).trimEnd();
  for (const line of text.split('\n')) {
    out.line(line.replace(KEY, (_, indent: string, key: string) => `${indent}${out.c.dim(`${key}:`)}`));
  }
}
