import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MIGRATIONS, migrate } from '../../src/store/postgres/migrations.js';
import { openPgPool, type PgDatabase } from '../../src/store/postgres/pool.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';

describe('postgres store: migrations', () => {
  let cluster: PostgresCluster;
  before(async () => {
    cluster = await startPostgres();
  });
  after(() => cluster?.destroy());

  it('several nodes starting at once migrate once (advisory lock), and a restart migrates nothing', async () => {
    const url = await cluster.createDatabase();
    const nodes: PgDatabase[] = [0, 1, 2, 3].map(() => openPgPool(url, { max: 2 }));
    try {
      const applied = await Promise.all(nodes.map((db) => migrate(db)));
      assert.equal(applied.reduce((a, b) => a + b, 0), MIGRATIONS.length, `applied per node: ${applied.join(',')}`);
      const versions = await nodes[0]!.rows<{ version: number }>('SELECT version FROM locksmith_migrations ORDER BY version');
      assert.deepEqual(versions.map((r) => r.version), MIGRATIONS.map((_, i) => i + 1));
      assert.equal(await migrate(nodes[1]!), 0);
    } finally {
      await Promise.all(nodes.map((db) => db.close()));
    }
  });

  it('refuses a database migrated by a newer Locksmith', async () => {
    const db = openPgPool(await cluster.createDatabase());
    try {
      await migrate(db);
      await db.run('INSERT INTO locksmith_migrations (version, applied_at) VALUES ($1, 0)', [MIGRATIONS.length + 1]);
      await assert.rejects(migrate(db), /newer than this Locksmith/);
    } finally {
      await db.close();
    }
  });

  it('pool exhaustion fails the waiting query within the acquisition timeout instead of hanging', async () => {
    const db = openPgPool(await cluster.createDatabase(), { max: 1, acquireTimeoutMs: 200 });
    const held = await db.pool.connect();
    try {
      const started = Date.now();
      await assert.rejects(db.one('SELECT 1'), /timeout/i);
      assert.ok(Date.now() - started < 2000);
    } finally {
      held.release();
      await db.close();
    }
  });
});
