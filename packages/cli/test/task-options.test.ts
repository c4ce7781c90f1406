import { describe, expect, it } from 'vitest';
import { CliError } from '../src/cli-error.js';
import { parseTaskArguments } from '../src/task-options.js';

describe('parseTaskArguments(tokens)', () => {
  it('splits words from options, camelCases names and reads numbers, booleans and JSON', () => {
    const args = parseTaskArguments([
      'partitions.enable',
      '--batch-size',
      '2',
      '--keep-old',
      '--ratio=0.5',
      '--no-vacuum',
      '--filter',
      '{"score":{"$gt":3}}',
      '--name',
      'nightly',
      '--offset',
      '-3',
    ]);
    expect(args.words).toEqual(['partitions.enable']);
    expect(args.options).toEqual({
      batchSize: 2,
      keepOld: true,
      ratio: 0.5,
      vacuum: false,
      filter: { score: { $gt: 3 } },
      name: 'nightly',
      offset: -3,
    });
  });

  it('collects a repeated option into a list', () => {
    const args = parseTaskArguments(['--tag', 'a', '--tag', '[1]', '--one', '[2]']);
    expect(args.options).toEqual({ tag: ['a', [1]], one: [2] });
  });

  it('takes everything after -- as words, and refuses short options and broken JSON', () => {
    expect(parseTaskArguments(['x', '--', '--not-an-option']).words).toEqual(['x', '--not-an-option']);
    expect(() => parseTaskArguments(['-x'])).toThrow(CliError);
    expect(() => parseTaskArguments(['--filter', '{oops'])).toThrow(/--filter: \{oops looks like JSON/);
  });

  it('never sets an object prototype from an option name', () => {
    const { options } = parseTaskArguments(['--__proto__', '{"polluted":true}']);
    expect(Object.getPrototypeOf(options)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
