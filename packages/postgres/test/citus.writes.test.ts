import type { WriteRow } from '@recordstore/core';
import { describe, expect, it } from 'vitest';
import { citusUpsertQuery } from '../src/citus/citus-writes.js';

function row(id: string): WriteRow {
  return {
    id,
    dataJson: '{"a":1}',
    metadataJson: null,
    data: { a: 1 },
    metadata: null,
    created_at: 1,
    updated_at: 2,
    expires_at: null,
    type: null,
    session_id: 's',
    thread_id: null,
  };
}

describe('citusUpsertQuery (saveMany batches on Citus)', () => {
  it('is UpsertRecords with keepCreatedAt and now as literals and the record columns as $1..$9', async () => {
    const query = await citusUpsertQuery([row('a'), row('b')], true, Date.UTC(2030, 0, 1));
    expect(query.values).toHaveLength(9);
    expect(query.values[0]).toEqual(['a', 'b']);
    expect(query.text).toMatch(/^INSERT INTO storage_records AS r/);
    expect(query.text).toContain(
      "WHEN true::boolean AND (r.expires_at IS NULL OR r.expires_at > '2030-01-01T00:00:00.000Z'::timestamptz)",
    );
    expect(query.text.match(/\$\d+/g)).toEqual(['$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8', '$9']);
    expect(query.text).not.toMatch(/ON CONFLICT[\s\S]*\$\d/);
  });

  it('writes keepCreatedAt false as false', async () => {
    const query = await citusUpsertQuery([row('a'), row('b')], false, 0);
    expect(query.text).toContain(
      "WHEN false::boolean AND (r.expires_at IS NULL OR r.expires_at > '1970-01-01T00:00:00.000Z'::timestamptz)",
    );
  });
});
