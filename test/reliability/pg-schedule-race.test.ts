/**
 * Scheduled work is idempotent should two nodes ever run it at once (a partitioned leader that has
 * not yet noticed it lost the lock): on a real PostgreSQL, two stores sweep the same due keys
 * concurrently and each key is destroyed exactly once; two signers of the same chain's digest
 * take its number once. Time moves by a ManualClock.
 */
import { CreateKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signDigests } from '../../src/audit/digests.js';
import { secureRandom } from '../../src/crypto/random.js';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import { startLocksmith, type RunningLocksmith } from '../../src/server/app.js';
import { sweepDueDeletions } from '../../src/services/kms/deletion-sweeper.js';
import { withWriterChains } from '../../src/store/postgres/pg-audit-chains.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { kmsClient } from '../blackbox/harness.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';

const DAY = 86_400_000;

describe('PostgreSQL: scheduled work racing on two nodes happens once', () => {
  let cluster: PostgresCluster;
  let url: string;
  let dir: string;
  let server: RunningLocksmith;
  const clock = new ManualClock(new Date('2026-06-01T00:00:00Z'));
  const stores: PostgresStore[] = [];

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    dir = mkdtempSync(join(tmpdir(), 'locksmith-pg-race-'));
    server = await startLocksmith({ host: '127.0.0.1', port: 0, dataDir: dir, defaultAccount: '000000000000', defaultRegion: 'us-east-1', log: () => {},
      databaseUrl: url, nodeId: 'node-0', clock, requestClock: { now: () => new Date() } });
    stores.push(await openPostgresStore(url), await openPostgresStore(url));
  });
  after(async () => {
    await server?.close();
    for (const s of stores) await s.close();
    cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two concurrent deletion sweeps destroy each due key once', async () => {
    const kms = kmsClient(server.endpoint, server.rootCredentials);
    const keys: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 7 }));
      keys.push(id);
    }
    const later = new ManualClock(clock.now().getTime() + 8 * DAY);
    const [a, b] = await Promise.all(stores.map((s) => sweepDueDeletions(s, later)));
    assert.equal(a! + b!, keys.length, `sweeps destroyed ${a} and ${b}`);
    const left = await stores[0]!.db.one<{ n: number }>('SELECT count(*)::int AS n FROM kms_keys WHERE key_id = ANY($1)', [keys]);
    assert.equal(left!.n, 0);
  });

  it('two concurrent digest signers take each digest number once', async () => {
    const keyring = RootKeyring.fromBytes(randomBytes(32), secureRandom);
    const [a, b] = stores.map((s, i) => withWriterChains(s.audit, s.db, `signer-${i}`));
    const [da, db] = await Promise.all([signDigests(a!, keyring, clock), signDigests(b!, keyring, clock)]);
    const written = [...da!, ...db!].map((d) => `${d.account}/${d.region}/${d.writer ?? ''}#${d.digestSeq}`);
    assert.equal(new Set(written).size, written.length, `a digest number was taken twice: ${written.join(', ')}`);
    const rows = await stores[0]!.db.rows<{ writer: string; digest_seq: number; n: number }>(
      'SELECT writer, digest_seq, count(*)::int AS n FROM audit_digests GROUP BY writer, digest_seq HAVING count(*) > 1');
    assert.deepEqual(rows, []);
    assert.ok(written.length > 0, 'something was signed');
  });
});
