/**
 * The PostgreSQL change feed (src/store/postgres/notifications.ts) against a real throwaway
 * cluster: a committed write reaches another node's caches within 100 ms by NOTIFY, by the
 * counter when the notification is lost, and while its LISTEN connection is down; a restart of
 * PostgreSQL makes `sync` fail (never pass silently) and then recover.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { migrate } from '../../src/store/postgres/migrations.js';
import { PostgresChangeWatcher } from '../../src/store/postgres/notifications.js';
import { openPgPool, type PgDatabase } from '../../src/store/postgres/pool.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';

const WINDOW_MS = 100;

describe('PostgreSQL change feed', () => {
  let cluster: PostgresCluster;
  let url: string;
  let db: PgDatabase;
  let pool: pg.Pool;
  const watchers: PostgresChangeWatcher[] = [];

  const watcher = async (name: string) => {
    const w = new PostgresChangeWatcher({
      connection: { connectionString: url, application_name: name },
      query: (sql) => pool.query(sql),
      reconnectDelayMs: 50,
    });
    await w.start();
    watchers.push(w);
    let changes = 0;
    w.onChange(() => changes++);
    return { w, changes: () => changes };
  };

  /** Calls sync in a tight loop (as requests do) until the watcher reported a change; the elapsed ms. */
  const window = async (w: PostgresChangeWatcher, changes: () => number, write: () => Promise<unknown>) => {
    const before = changes();
    await write();
    const t0 = performance.now();
    while (changes() === before) {
      await w.sync().catch(() => {});
      await new Promise((r) => setImmediate(r));
      if (performance.now() - t0 > 5000) break;
    }
    return performance.now() - t0;
  };

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    db = openPgPool(url, { max: 4 });
    pool = db.pool;
    await migrate(db);
    await db.run(`INSERT INTO accounts (account, created_at) VALUES ('111122223333', 0)`);
  });
  after(async () => {
    for (const w of watchers) await w.close();
    await db?.close().catch(() => {});
    cluster?.destroy();
  });

  it('every write of cached state moves the counter in its transaction; audit appends do not', async () => {
    const n = async () => (await db.one<{ n: number }>('SELECT sum(n)::int AS n FROM store_changes'))!.n;
    const n0 = await n();
    await db.transaction(async (tx) => {
      await tx.run(`INSERT INTO audit_intents (request_id, account, region, event_time, record) VALUES ('r1', '111122223333', 'us-east-1', 0, '{}')`);
    });
    assert.equal(await n(), n0, 'an audit write is not a change of cached state');
    const changed = await db.transaction(async (tx) => {
      await tx.run(`UPDATE accounts SET created_at = 1 WHERE account = '111122223333'`);
      return (await tx.one<{ n: number }>('SELECT sum(n)::int AS n FROM store_changes'))!.n;
    });
    assert.ok(changed > n0, 'the counter moved inside the writing transaction');
    assert.equal(await n(), changed);
  });

  it('S3 metadata writes move neither the counter nor the feed: no node caches what they change', async () => {
    const n = async () => (await db.one<{ n: number }>('SELECT sum(n)::int AS n FROM store_changes'))!.n;
    const b = await watcher('node-s3');
    await b.w.sync();
    const n0 = await n();
    const seen = b.changes();
    await db.transaction(async (tx) => {
      await tx.run(`INSERT INTO s3_buckets (name, account, region, created_at) VALUES ('photos', '111122223333', 'us-east-1', 0)`);
      await tx.run(`INSERT INTO s3_objects (bucket, key, file_id, size, etag, last_modified, headers, tags, part_sizes) VALUES ('photos', 'a.jpg', 'f1', 1, '"e"', 0, '{}', '{}', '[]')`);
      await tx.run(`INSERT INTO s3_uploads (upload_id, bucket, key, initiated, account, initiator_arn, headers, tags) VALUES ('u1', 'photos', 'b.jpg', 0, '111122223333', 'arn:aws:iam::111122223333:root', '{}', '{}')`);
      await tx.run(`INSERT INTO s3_parts (upload_id, part_number, file_id, size, etag, last_modified) VALUES ('u1', 1, 'f2', 1, '"e"', 0)`);
    });
    await db.run(`UPDATE s3_objects SET size = 2 WHERE bucket = 'photos'`);
    await db.run(`DELETE FROM s3_parts WHERE upload_id = 'u1'`);
    await db.run(`DELETE FROM s3_uploads WHERE upload_id = 'u1'`);
    await db.run(`DELETE FROM s3_objects WHERE bucket = 'photos'`);
    await db.run(`UPDATE s3_buckets SET policy = '{}' WHERE name = 'photos'`);
    await db.run(`DELETE FROM s3_buckets WHERE name = 'photos'`);
    assert.equal(await n(), n0, 'the counter did not move');
    // A NOTIFY would arrive within milliseconds; a later write of cached state still does.
    await new Promise((r) => setTimeout(r, 200));
    await b.w.sync();
    assert.equal(b.changes(), seen, 'no change reported for S3 writes');
    await db.run(`UPDATE accounts SET created_at = 2 WHERE account = '111122223333'`);
    const t0 = performance.now();
    while (b.changes() === seen && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    assert.ok(b.changes() > seen, 'a write of cached state is reported');
  });

  it('a committed write reaches another node within 100 ms by NOTIFY', async () => {
    const b = await watcher('node-b');
    const windows: number[] = [];
    for (let i = 0; i < 20; i++) {
      windows.push(await window(b.w, b.changes, () => pool.query(`UPDATE accounts SET created_at = $1 WHERE account = '111122223333'`, [i])));
    }
    const worst = Math.max(...windows);
    assert.ok(worst <= WINDOW_MS, `windows ${windows.map((w) => w.toFixed(1)).join(', ')} ms`);
  });

  it('a change whose notification is lost is still seen within 100 ms (the counter)', async () => {
    const b = await watcher('node-b2');
    // No NOTIFY: the counter moves as a write's trigger moves it, but nothing is sent.
    const windows: number[] = [];
    for (let i = 0; i < 10; i++) windows.push(await window(b.w, b.changes, () => pool.query('UPDATE store_changes SET n = n + 1 WHERE id = 0')));
    const worst = Math.max(...windows);
    assert.ok(worst <= WINDOW_MS, `windows ${windows.map((w) => w.toFixed(1)).join(', ')} ms`);
  });

  it('with its LISTEN connection killed, the node empties its caches, checks inline, then reconnects', async () => {
    const b = await watcher('node-b3');
    const before = b.changes();
    await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'node-b3'`);
    const t0 = performance.now();
    while (b.w.connected && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 1));
    assert.ok(b.changes() > before, 'losing the connection empties the caches');
    // While it is down, a write without notification is still caught by sync's own counter read.
    const w = await window(b.w, b.changes, () => pool.query('UPDATE store_changes SET n = n + 1 WHERE id = 1'));
    assert.ok(w <= WINDOW_MS, `window ${w.toFixed(1)} ms while disconnected`);
    const t1 = performance.now();
    while (!b.w.connected && performance.now() - t1 < 5000) await new Promise((r) => setTimeout(r, 10));
    assert.ok(b.w.connected, 'the LISTEN connection is re-established');
    const n = await window(b.w, b.changes, () => pool.query(`UPDATE accounts SET created_at = 2 WHERE account = '111122223333'`));
    assert.ok(n <= WINDOW_MS, `window ${n.toFixed(1)} ms after reconnecting`);
  });

  it('while PostgreSQL is down sync rejects instead of trusting the caches, and recovers after', async () => {
    const b = await watcher('node-b4');
    cluster.stop('fast');
    try {
      await new Promise((r) => setTimeout(r, 80)); // longer than the staleness bound (real time: the feed's own timing)
      await assert.rejects(() => b.w.sync());
    } finally {
      cluster.start();
    }
    const t0 = performance.now();
    for (;;) {
      try {
        await b.w.sync();
        break;
      } catch {
        assert.ok(performance.now() - t0 < 10_000, 'sync recovers within seconds');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    while (!b.w.connected && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    assert.ok(b.w.connected, 'LISTEN is re-established after the restart');
  });
});
