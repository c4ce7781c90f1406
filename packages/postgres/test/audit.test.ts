import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgreSQLStorageBackend } from '../src/index.js';
import type { PostgresConfigInput } from '../src/postgres-config.js';
import { useSuiteDatabase } from './helpers.js';

/**
 * The audit log: a trigger records every insert, update and delete (when, database role, actor,
 * operation, id, sha256 of the row before and after) once audit_enabled has switched it on.
 */

const db = useSuiteDatabase();
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../cli/dist/bin.js');
const open: PostgreSQLStorageBackend[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});

async function store(config: PostgresConfigInput = {}): Promise<PostgreSQLStorageBackend> {
  const s = new PostgreSQLStorageBackend({ url: db.url, connection_pool_size: 2, ...config });
  open.push(s);
  await s.connect();
  return s;
}

async function rowHash(id: string): Promise<string> {
  const { rows } = await db.sql<{ h: string }>(
    "SELECT encode(sha256(convert_to(to_jsonb(s)::text, 'UTF8')), 'hex') AS h FROM storage_records s WHERE id = $1",
    [id],
  );
  return rows[0]!.h;
}

describe('audit log', () => {
  it('is off until audit_enabled: writes before it are not recorded', async () => {
    const plain = await store();
    await plain.save({ id: 'before-audit' });
    const { rows } = await db.sql('SELECT count(*)::int AS n FROM recordstore_audit');
    expect(rows[0]?.n).toBe(0);
  });

  it('records insert, update and delete with role, actor, and hashes that chain old -> new', async () => {
    const s = await store({ audit_enabled: true, audit_actor: 'batch-job' });
    await s.save({ id: 'x', v: 1 });
    const afterInsert = await rowHash('x');
    await s.save({ id: 'x', v: 2 });
    await s.runAs('alice', () => s.update('x', { v: 3 }));
    const afterUpdate = await rowHash('x');
    await s.runAs('bob', () => s.delete('x'));
    const log = await s.auditLog({ id: 'x' });
    expect(log.map((e) => [e.operation, e.actor])).toEqual([
      ['DELETE', 'bob'],
      ['UPDATE', 'alice'],
      ['UPDATE', 'batch-job'],
      ['INSERT', 'batch-job'],
    ]);
    const [del, upd2, upd1, ins] = log;
    expect(ins).toMatchObject({ oldHash: null, newHash: afterInsert, dbRole: 'postgres', recordId: 'x' });
    expect(upd1!.oldHash).toBe(ins!.newHash);
    expect(upd2!.oldHash).toBe(upd1!.newHash);
    expect(upd2!.newHash).toBe(afterUpdate);
    expect(del).toMatchObject({ oldHash: afterUpdate, newHash: null });
    for (const e of log) {
      expect(e.at).toBeInstanceOf(Date);
      expect(e.newHash ?? e.oldHash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(await s.auditLog({ id: 'x', limit: 2 })).toHaveLength(2);
  });

  it('saveMany, deleteMany and transactions are recorded row by row; one transaction shares a txid', async () => {
    const s = await store({ audit_enabled: true });
    await s.saveMany(Array.from({ length: 5 }, (_, i) => ({ id: `m${i}`, i })));
    await s.deleteMany({ i: { $gte: 3 } });
    const ids = ['m0', 'm1', 'm2', 'm3', 'm4'];
    const log = (await s.auditLog({ limit: 1000 })).filter((e) => ids.includes(e.recordId));
    expect(log.filter((e) => e.operation === 'INSERT')).toHaveLength(5);
    expect(
      log
        .filter((e) => e.operation === 'DELETE')
        .map((e) => e.recordId)
        .sort(),
    ).toEqual(['m3', 'm4']);
    expect(new Set(log.filter((e) => e.operation === 'INSERT').map((e) => e.txid)).size).toBe(1);
    expect(log.every((e) => e.actor === null)).toBe(true);
  });

  it('concurrent actors on one store each get their own entries; writes by other clients are recorded too', async () => {
    const s = await store({ audit_enabled: true });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.runAs(`user-${i}`, () => s.save({ id: `c${i}`, i }))),
    );
    for (let i = 0; i < 10; i++) {
      expect((await s.auditLog({ id: `c${i}` }))[0]).toMatchObject({
        actor: `user-${i}`,
        operation: 'INSERT',
      });
    }
    await db.sql("UPDATE storage_records SET data = '{\"i\": 99}' WHERE id = 'c0'");
    expect((await s.auditLog({ id: 'c0' }))[0]).toMatchObject({ operation: 'UPDATE', actor: null });
    expect(() => s.runAs('', async () => 1)).toThrow(/actor/);
  });

  it('an application role is recorded as db_role and can neither read nor rewrite the log', async () => {
    const role = `rs_audit_app_${randomBytes(3).toString('hex')}`;
    await db.sql(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
    try {
      await db.sql(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await db.sql(`GRANT SELECT, INSERT, UPDATE, DELETE ON storage_records TO ${role}`);
      await db.sql(`GRANT SELECT ON recordstore_migrations TO ${role}`);
      const u = new URL(db.url);
      u.username = role;
      u.password = 'pw';
      const app = await store({
        url: u.toString(),
        audit_enabled: true,
        auto_migrate: false,
        audit_actor: 'svc',
      });
      await app.save({ id: 'by-app' });
      const owner = await store();
      expect((await owner.auditLog({ id: 'by-app' }))[0]).toMatchObject({ dbRole: role, actor: 'svc' });
      await expect(app.auditLog()).rejects.toMatchObject({ kind: 'config' });
    } finally {
      await db.sql(`DROP OWNED BY ${role}`).catch(() => {});
      await db.sql(`DROP ROLE ${role}`).catch(() => {});
    }
  });

  it('`recordstore audit [--id x] [--limit n]` shows the log', async () => {
    expect(existsSync(CLI), `${CLI} is missing: build the CLI (pnpm test builds first)`).toBe(true);
    const s = await store({ audit_enabled: true, audit_actor: 'cli-test' });
    await s.save({ id: 'cli-1', v: 1 });
    await s.save({ id: 'cli-1', v: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'rs-audit-'));
    try {
      writeFileSync(
        join(dir, 'recordstore.yaml'),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${VAR} interpolation
        'default: pg\nstorage_types:\n  pg:\n    class: postgresql\n    config:\n      url: "${DATABASE_URL}"\n',
      );
      const run = (...args: string[]) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
          const child = spawn(process.execPath, [CLI, ...args], {
            cwd: dir,
            env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', DATABASE_URL: db.url },
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d) => {
            stdout += d;
          });
          child.stderr.on('data', (d) => {
            stderr += d;
          });
          child.on('error', fail);
          child.on('close', (code) => done({ code, stdout, stderr }));
        });
      const json = await run('audit', '--id', 'cli-1', '--json');
      expect(json.code, json.stderr).toBe(0);
      const parsed = JSON.parse(json.stdout) as {
        count: number;
        entries: { operation: string; actor: string }[];
      };
      expect(parsed.entries.map((e) => [e.operation, e.actor])).toEqual([
        ['UPDATE', 'cli-test'],
        ['INSERT', 'cli-test'],
      ]);
      const text = await run('audit', '--id', 'cli-1', '--limit', '1');
      expect(text.code, text.stderr).toBe(0);
      // The CLI prints the backend's own details (dbRole, hashes, ...) after the actor, generically.
      expect(text.stdout).toMatch(/UPDATE\s+cli-1\s+actor=cli-test\s+dbRole=postgres/);
      expect(text.stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
