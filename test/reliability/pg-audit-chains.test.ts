/**
 * One audit trail, many writers, on a real throwaway PostgreSQL: two nodes append at once, each
 * to its own chain (pg-audit-chains.ts) through its own group-commit recorder; LookupEvents merges
 * them newest first; digests are signed per chain; `verify` passes, and names an edited, deleted
 * or reordered record in whichever node's chain it is.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signDigests } from '../../src/audit/digests.js';
import { kmsServiceEvent } from '../../src/audit/event-builder.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { verifyAuditTrail, type ChainReport } from '../../src/audit/verify.js';
import { secureRandom } from '../../src/crypto/random.js';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import type { AuditStore, NewAuditEvent } from '../../src/store/audit-ports.js';
import { withWriterChains } from '../../src/store/postgres/pg-audit-chains.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';
import { ManualClock } from '../../src/util/clock.js';

const ACCOUNT = '111122223333';
const PER_NODE = 150;

describe('PostgreSQL audit: one chain per node', () => {
  let cluster: PostgresCluster;
  const open: PostgresStore[] = [];
  const keyring = RootKeyring.fromBytes(randomBytes(32), secureRandom);
  const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));

  /** A fresh database with two nodes' stores that have each appended PER_NODE records concurrently. */
  async function twoNodes(): Promise<{ a: AuditStore; b: AuditStore; db: PostgresStore; times: Map<string, number> }> {
    const url = await cluster.createDatabase();
    const [sa, sb] = [await openPostgresStore(url), await openPostgresStore(url)];
    open.push(sa, sb);
    const a = withWriterChains(sa.audit, sa.db, 'node-a');
    const b = withWriterChains(sb.audit, sb.db, 'node-b');
    const times = new Map<string, number>();
    const event = (i: number, region = 'us-east-1'): NewAuditEvent => {
      const e = kmsServiceEvent({ account: ACCOUNT, region, keyId: randomUUID() }, 'RotateKey', new Date(Date.UTC(2026, 2, 1, 0, 0, i)), secureRandom);
      times.set(e.eventId, e.eventTime.getTime());
      return e;
    };
    const [ra, rb] = [new AuditRecorder(a, { maxBatch: 16 }), new AuditRecorder(b, { maxBatch: 16 })];
    // Interleaved event times: node a the even seconds, node b the odd ones, all appended at once.
    await Promise.all([
      ...Array.from({ length: PER_NODE }, (_, i) => ra.record([event(2 * i)])),
      ...Array.from({ length: PER_NODE }, (_, i) => rb.record([event(2 * i + 1)])),
      ra.record([event(0, 'eu-west-1')]),
    ]);
    return { a, b, db: sa, times };
  }

  const broken = (reports: ChainReport[]) => reports.filter((r) => r.problems.length > 0);

  before(async () => {
    cluster = await startPostgres();
  });
  after(async () => {
    for (const s of open) await s.close().catch(() => {});
    cluster?.destroy();
  });

  it('each node extends its own chain; verify covers every chain; digests are signed per chain', async () => {
    const { a, b } = await twoNodes();
    const chains = await a.chains();
    assert.deepEqual(chains, [
      { account: ACCOUNT, region: 'eu-west-1', writer: 'node-a' },
      { account: ACCOUNT, region: 'us-east-1', writer: 'node-a' },
      { account: ACCOUNT, region: 'us-east-1', writer: 'node-b' },
    ]);
    assert.equal((await a.head(ACCOUNT, 'us-east-1', 'node-a'))!.chainSeq, PER_NODE);
    assert.equal((await b.head(ACCOUNT, 'us-east-1', 'node-b'))!.chainSeq, PER_NODE);
    const digests = await signDigests(b, keyring, clock);
    assert.deepEqual(digests.map((d) => `${d.region}/${d.writer}#${d.digestSeq}`), ['eu-west-1/node-a#1', 'us-east-1/node-a#1', 'us-east-1/node-b#1']);
    const reports = await verifyAuditTrail(a, { keyring });
    assert.deepEqual(broken(reports), []);
    assert.deepEqual(reports.map((r) => [r.writer, r.records, r.digests]), [['node-a', 1, 1], ['node-a', PER_NODE, 1], ['node-b', PER_NODE, 1]]);
  });

  it('LookupEvents merges the nodes in time order, newest first, across pages', async () => {
    const { a, times } = await twoNodes();
    const seen: string[] = [];
    let after: { time: number; seq: number } | undefined;
    do {
      const page = await a.lookup({ account: ACCOUNT, region: 'us-east-1', limit: 50, ...(after ? { after } : {}) });
      seen.push(...page.events.map((e) => e.eventId));
      after = page.next;
    } while (after);
    assert.equal(seen.length, 2 * PER_NODE);
    assert.equal(new Set(seen).size, seen.length);
    const order = seen.map((id) => times.get(id)!);
    assert.deepEqual(order, [...order].sort((x, y) => y - x), 'newest first across both nodes');
  });

  it('an edited record in one node chain is named, and only that chain is broken', async () => {
    const { a, db } = await twoNodes();
    await signDigests(a, keyring, clock);
    await db.db.run(`UPDATE audit_events SET record = replace(record, 'RotateKey', 'RotateKeY') WHERE writer = 'node-b' AND chain_seq = 40`);
    const bad = broken(await verifyAuditTrail(a, { keyring }));
    assert.deepEqual(bad.map((r) => r.writer), ['node-b']);
    assert.equal(bad[0]!.problems[0]!.kind, 'changed');
    assert.equal(bad[0]!.problems[0]!.chainSeq, 40);
  });

  it('a deleted record is named', async () => {
    const { a, db } = await twoNodes();
    await db.db.run(`DELETE FROM audit_events WHERE writer = 'node-a' AND region = 'us-east-1' AND chain_seq = 77`);
    const bad = broken(await verifyAuditTrail(a, { keyring }));
    assert.deepEqual(bad.map((r) => `${r.region}/${r.writer}`), ['us-east-1/node-a']);
    assert.equal(bad[0]!.problems[0]!.kind, 'removed');
    assert.equal(bad[0]!.problems[0]!.chainSeq, 77);
  });

  it('the last record deleted (head rolled back too) is caught by the signed digest', async () => {
    const { a, db } = await twoNodes();
    await signDigests(a, keyring, clock);
    const prev = (await db.db.one<{ hash: string }>(`SELECT hash FROM audit_events WHERE writer = 'node-b' AND chain_seq = $1`, [PER_NODE - 1]))!;
    await db.db.run(`DELETE FROM audit_events WHERE writer = 'node-b' AND chain_seq = $1`, [PER_NODE]);
    await db.db.run(`UPDATE audit_chains SET chain_seq = $1, hash = $2 WHERE writer = 'node-b' AND region = 'us-east-1'`, [PER_NODE - 1, prev.hash]);
    const bad = broken(await verifyAuditTrail(a, { keyring }));
    assert.deepEqual(bad.map((r) => r.writer), ['node-b']);
    assert.match(bad[0]!.problems.map((p) => p.message).join('\n'), new RegExp(`record #${PER_NODE}, pinned by signed digest`));
  });

  it('two records swapped (reordered) in a node chain are named', async () => {
    const { a, db } = await twoNodes();
    await db.db.transaction(async (tx) => {
      await tx.run(`UPDATE audit_events SET chain_seq = -1 WHERE writer = 'node-b' AND chain_seq = 20`);
      await tx.run(`UPDATE audit_events SET chain_seq = 20 WHERE writer = 'node-b' AND chain_seq = 21`);
      await tx.run(`UPDATE audit_events SET chain_seq = 21 WHERE writer = 'node-b' AND chain_seq = -1`);
    });
    const bad = broken(await verifyAuditTrail(a, { keyring }));
    assert.deepEqual(bad.map((r) => r.writer), ['node-b']);
    assert.ok(['reordered', 'changed', 'inserted'].includes(bad[0]!.problems[0]!.kind), JSON.stringify(bad[0]!.problems));
    assert.ok([20, 21].includes(bad[0]!.problems[0]!.chainSeq!), JSON.stringify(bad[0]!.problems));
  });
});
