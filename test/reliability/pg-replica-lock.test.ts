/**
 * A key transaction that reads every region of a Multi-Region key (KeyReads.regionsOf) and a
 * replica created at the same time (ReplicateKey's keys.create) on a real PostgreSQL: whichever
 * runs first, the other sees its outcome. Locks on rows can't stop an INSERT of a new row, so the
 * creation of a replica takes a share lock on the key's existing copies and the transaction an
 * update lock, then reads the copies again.
 * The two are paused mid-way deterministically: a third session holds a table lock that the first
 * one's last statement needs, and the test waits (polling pg_stat_activity, no sleep) until the
 * second one waits too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { KmsKey } from '../../src/domain/key.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';
import { OTHER_REGION, REGION, createKey, makeMaterial, materialId, newAccount, refOf, at } from '../contract/fixtures.js';

describe('PostgreSQL: regions of a Multi-Region key read in a transaction vs a replica being created', () => {
  let cluster: PostgresCluster;
  let url: string;
  let store: PostgresStore;
  let locker: pg.Client;

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    store = await openPostgresStore(url);
    locker = new pg.Client({ connectionString: url });
    await locker.connect();
  });
  after(async () => {
    await locker?.end();
    await store?.close();
    cluster?.destroy();
  });

  /** Resolves once `n` sessions of the store's pool wait for a lock. */
  async function waitersOnLock(n: number): Promise<void> {
    for (let i = 0; i < 100_000; i++) {
      await locker.query('SELECT pg_stat_clear_snapshot()'); // the locker is in a transaction: statistics are read once per transaction otherwise
      const { rows } = await locker.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity
        WHERE application_name = 'locksmith' AND wait_event_type = 'Lock'`);
      if (Number(rows[0]!.n) >= n) return;
    }
    const { rows } = await locker.query(`SELECT application_name, state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE datname = current_database()`);
    throw new Error(`never saw ${n} sessions waiting for a lock: ${JSON.stringify(rows)}`);
  }

  const replicaOf = (primary: KmsKey): KmsKey => ({ ...primary, region: OTHER_REGION, arn: primary.arn.replace(REGION, OTHER_REGION), primaryRegion: REGION });

  it('a replica created first is among the regions the transaction reads', async () => {
    const primary = await createKey(store, newAccount(), REGION, { multiRegion: true, primaryRegion: REGION });
    const replica = replicaOf(primary);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE key_tags IN ACCESS EXCLUSIVE MODE'); // the creation's last statement (its tag) waits
    const creating = store.keys.create(replica, [makeMaterial(replica)], { k: 'v' });
    await waitersOnLock(1);
    const reading = store.keys.transact((reads) => ({ changes: [], result: reads.regionsOf(primary.account, primary.keyId).map((k) => k.region) }));
    // The transaction must wait for the creation: let it get to its lock (or finish, without the fix).
    const early = await Promise.race([reading.then(() => 'finished'), waitersOnLock(2).then(() => 'waiting')]);
    await locker.query('COMMIT');
    await creating;
    assert.equal(early, 'waiting', 'the transaction waited for the replica being created');
    assert.deepEqual((await reading).sort(), [OTHER_REGION, REGION].sort());
  });

  it('a replica whose primary rotated meanwhile is refused, not created without the new material', async () => {
    const primary = await createKey(store, newAccount(), REGION, { multiRegion: true, primaryRegion: REGION });
    const replica = replicaOf(primary); // as ReplicateKey built it: the primary's materials before the rotation
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE key_materials IN ACCESS EXCLUSIVE MODE'); // the rotation's material write waits
    const rotating = store.keys.transact((reads) => {
      const copies = reads.regionsOf(primary.account, primary.keyId);
      const changes = copies.map((k) => {
        const m = { ...makeMaterial(k), keyMaterialId: materialId(0x77), createdAt: at(60_000) };
        return { key: { ...k, currentKeyMaterialId: m.keyMaterialId }, materials: [m] };
      });
      return { changes, result: copies.length };
    });
    await waitersOnLock(1);
    const creating = store.keys.create(replica, [makeMaterial(replica)], {}).then(() => 'created', (e: Error) => (e as { code?: string }).code ?? e.message);
    await waitersOnLock(2);
    await locker.query('COMMIT');
    assert.equal(await rotating, 1);
    assert.equal(await creating, 'ConflictException');
    assert.equal(await store.keys.get(refOf(replica)), undefined, 'no replica without the current material');
  });
});
