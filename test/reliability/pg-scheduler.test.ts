/**
 * Scheduled work on one node at a time: two `serve --insecure-dev-clock` nodes on one PostgreSQL.
 * The first to start leads. Moving the follower's lifecycle clock past a key's deletion date runs
 * nothing there (it is not the leader); after the leader is killed with -9, the follower takes
 * the advisory lock, and moving its clock destroys the key — once. Time moves by the dev clock,
 * never by sleeping; only the takeover itself is awaited (real time: the lock's release).
 */
import { DescribeKeyCommand, CreateKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPgNodes, type PgNodes } from './lib/pg-nodes.js';

const DAY = 24 * 3600 * 1000;

/** Moves a node's lifecycle clock (as `locksmith clock advance` does) and returns what its schedule ran. */
async function advance(dataDir: string, ms: number): Promise<Record<string, number>> {
  const { endpoint, token } = JSON.parse(readFileSync(join(dataDir, 'dev-clock.json'), 'utf8')) as { endpoint: string; token: string };
  const res = await fetch(`${endpoint}/clock/advance`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ ms }) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { schedule: Record<string, number> }).schedule;
}

describe('two nodes on PostgreSQL: scheduled work runs on the leader only, and fails over', () => {
  let c: PgNodes;
  /** Rows of the key in the database (what the schedule destroys). */
  const stored = async (keyId: string) => {
    const client = new pg.Client({ connectionString: c.url });
    await client.connect();
    try {
      return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM kms_keys WHERE key_id = $1', [keyId])).rows[0]!.n);
    } finally {
      await client.end();
    }
  };
  before(async () => {
    c = await startPgNodes(2, { serveArgs: ['--insecure-dev-clock'] });
  });
  after(async () => {
    await c?.close();
  });

  it('a follower runs no schedule; after kill -9 of the leader it takes over and deletes the due key', async () => {
    const [a, b] = [c.kms(0), c.kms(1)];
    assert.match(c.nodes[0]!.output(), /this node is now the leader/);
    assert.doesNotMatch(c.nodes[1]!.output(), /this node is now the leader/);
    const key = (await a.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await a.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));

    assert.deepEqual(await advance(c.nodes[1]!.dataDir, 8 * DAY), {}, 'the follower ran nothing');
    // B's clock is past the deletion date (B already answers NotFound for it), but the key is still stored.
    assert.equal((await a.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata!.KeyState, 'PendingDeletion');
    assert.equal(await stored(key), 1);

    await c.nodes[0]!.stop('SIGKILL');
    const t0 = performance.now();
    while (!/this node is now the leader/.test(c.nodes[1]!.output()) && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    assert.match(c.nodes[1]!.output(), /this node is now the leader/, 'b took over after the leader was killed');
    console.log(`takeover ${(performance.now() - t0).toFixed(0)} ms after kill -9 of the leader`);

    const ran = await advance(c.nodes[1]!.dataDir, 0);
    assert.equal(ran.deletion, 1, JSON.stringify(ran));
    assert.equal(await stored(key), 0, 'the new leader destroyed the key');
    await assert.rejects(b.send(new DescribeKeyCommand({ KeyId: key })), { name: 'NotFoundException' });
    assert.equal((await advance(c.nodes[1]!.dataDir, 0)).deletion, 0, 'a second run finds nothing left to do');
  });
});
