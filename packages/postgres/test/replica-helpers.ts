import pg from 'pg';

/** Runs one statement on `url` with a short-lived client. */
export async function sql<R extends pg.QueryResultRow>(url: string, text: string, values?: unknown[]) {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query<R>(text, values);
  } finally {
    await client.end();
  }
}

/** Polls `check` every 25 ms until it holds, failing with `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the replica at `replicaUrl` has replayed everything the primary has written so far. */
export async function caughtUp(primaryUrl: string, replicaUrl: string): Promise<void> {
  // The insert position, not pg_current_wal_lsn() (the written one): with synchronous_commit off a
  // commit record can still sit in the WAL buffers, and waiting for the written position returns early.
  const { rows } = await sql<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_insert_lsn()::text AS lsn');
  const lsn = rows[0]!.lsn;
  await until(async () => {
    const r = await sql<{ done: boolean }>(
      replicaUrl,
      'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done',
      [lsn],
    );
    return r.rows[0]!.done;
  }, 'the replica to catch up');
}
