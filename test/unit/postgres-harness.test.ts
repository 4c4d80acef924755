import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';

// The throwaway-cluster helper itself: a real server, fsync on, fresh databases per test.
describe('test helper: throwaway PostgreSQL cluster', () => {
  let cluster: PostgresCluster;
  before(async () => {
    cluster = await startPostgres();
  });
  after(() => cluster?.destroy());

  it('serves a fresh database per call, on 127.0.0.1 with fsync on', async () => {
    const a = await cluster.createDatabase();
    const b = await cluster.createDatabase();
    assert.notEqual(a, b);
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    try {
      const r = await client.query<{ fsync: string; addr: string }>(`SELECT current_setting('fsync') AS fsync, inet_server_addr()::text AS addr`);
      assert.equal(r.rows[0]!.fsync, 'on');
      assert.match(r.rows[0]!.addr, /^127\.0\.0\.1/);
    } finally {
      await client.end();
    }
  });

  it('stops and starts again keeping its data', async () => {
    const url = await cluster.createDatabase();
    const write = new pg.Client({ connectionString: url });
    await write.connect();
    await write.query('CREATE TABLE t (v int); INSERT INTO t VALUES (42)');
    await write.end();
    cluster.stop();
    cluster.start();
    const read = new pg.Client({ connectionString: url });
    await read.connect();
    try {
      assert.equal((await read.query<{ v: number }>('SELECT v FROM t')).rows[0]!.v, 42);
    } finally {
      await read.end();
    }
  });
});
