import { describe, expect, it } from 'vitest';
import { toWriteRow } from '../src/index.js';

const options = { now: Date.UTC(2030, 0, 1), defaultTtlMs: null, maxRecordBytes: 1000 };

describe('max_record_bytes counts UTF-8 bytes', () => {
  it('refuses a record whose UTF-16 length fits but whose UTF-8 size does not', () => {
    // 600 x "é": 600 UTF-16 units, 1,200 UTF-8 bytes.
    expect(() => toWriteRow({ id: 'a', text: 'é'.repeat(600) }, options)).toThrow(
      /bytes of JSON; the limit is 1000/,
    );
  });

  it('accepts a record just under the limit in bytes', () => {
    expect(toWriteRow({ id: 'a', text: 'é'.repeat(400) }, options).id).toBe('a');
  });
});
