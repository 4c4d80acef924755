/**
 * Scheduler leadership (src/store/postgres/leadership.ts) on a real throwaway PostgreSQL: one
 * leader at a time; when the leader's process is killed with -9 its session ends, the advisory
 * lock goes with it, and another node takes over within a few attempts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { AdvisoryLeadership, LEADER_LOCK } from '../../src/store/postgres/leadership.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';

const until = async (cond: () => boolean, ms: number) => {
  const t0 = performance.now();
  while (!cond() && performance.now() - t0 < ms) await new Promise((r) => setTimeout(r, 10));
  return cond();
};

describe('PostgreSQL scheduler leadership', () => {
  let cluster: PostgresCluster;
  let url: string;
  const nodes: AdvisoryLeadership[] = [];
  const node = async () => {
    const n = new AdvisoryLeadership({ connection: { connectionString: url }, intervalMs: 100 });
    await n.start();
    nodes.push(n);
    return n;
  };
  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
  });
  after(async () => {
    for (const n of nodes) await n.close();
    cluster?.destroy();
  });

  it('one node leads; a clean stop hands over to another', async () => {
    const a = await node();
    const b = await node();
    assert.equal(a.isLeader, true);
    assert.equal(b.isLeader, false);
    await b.tick();
    assert.equal(b.isLeader, false, 'the lock is held: a second node never leads at the same time');
    await a.close();
    assert.ok(await until(() => b.isLeader, 2000), 'b took over after a stopped');
    await b.close();
  });

  it('kill -9 of the leader process: its session ends and another node takes over', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lib/pg-leader-child.ts'), url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      assert.ok(await until(() => out.includes('started leader'), 20_000), `child did not lead: ${out}`);
      const b = await node();
      await b.tick();
      assert.equal(b.isLeader, false, 'the child leads');
      child.kill('SIGKILL');
      const t0 = performance.now();
      assert.ok(await until(() => b.isLeader, 5000), 'b took over after the leader was killed');
      assert.ok(performance.now() - t0 < 5000);
      await b.close();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a leader whose session is terminated stops leading at once', async () => {
    const c = await node();
    assert.ok(await until(() => c.isLeader, 2000));
    const d = await node();
    // Terminate c's session from another one (its pid is the lock holder's).
    const client = new pg.Client(url);
    await client.connect();
    try {
      await client.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`, [LEADER_LOCK]);
    } finally {
      await client.end();
    }
    assert.ok(await until(() => !c.isLeader, 2000), 'c noticed it lost the lock');
    assert.ok(await until(() => c.isLeader !== d.isLeader && (c.isLeader || d.isLeader), 2000), 'exactly one of them leads again');
  });
});
