/**
 * One SQLite audit trail, several writers (`serve --workers N`): each worker's writer thread
 * (store/sqlite/audit-writer.ts) appends to its own chains in the shared file, concurrently;
 * LookupEvents merges them newest first; digests are signed per chain; `verify` passes, and names
 * an edited, deleted or reordered record in whichever writer's chain it is. A trail written before
 * the chains had writers migrates into writer '' and keeps verifying and growing.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { signDigests } from '../../src/audit/digests.js';
import { exportAuditTrail } from '../../src/audit/export.js';
import { kmsServiceEvent } from '../../src/audit/event-builder.js';
import { GENESIS_HASH, linkHash } from '../../src/audit/hash-chain.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { verifyAuditTrail, type ChainReport } from '../../src/audit/verify.js';
import { secureRandom } from '../../src/crypto/random.js';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import type { AuditStore, NewAuditEvent } from '../../src/store/audit-ports.js';
import { startAuditWriterThread, type AuditWriterThread } from '../../src/store/sqlite/audit-writer.js';
import { migrate } from '../../src/store/sqlite/schema.js';
import { openDatabase, openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../src/util/clock.js';

const ACCOUNT = '111122223333';
const PER_WRITER = 150;

describe('SQLite audit: one chain per writer (serve --workers)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'locksmith-audit-writers-'));
  const threads: AuditWriterThread[] = [];
  const keyring = RootKeyring.fromBytes(randomBytes(32), secureRandom);
  const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
  after(async () => {
    for (const t of threads) await t.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  const event = (times: Map<string, number>, i: number, region = 'us-east-1'): NewAuditEvent => {
    const e = kmsServiceEvent({ account: ACCOUNT, region, keyId: randomUUID() }, 'RotateKey', new Date(Date.UTC(2026, 2, 1, 0, 0, i)), secureRandom);
    times.set(e.eventId, e.eventTime.getTime());
    return e;
  };

  /** A fresh file where writers '' and 'worker-1', each on its own thread and connection, appended PER_WRITER records at once. */
  async function twoWriters(): Promise<{ audit: AuditStore; db: Database.Database; times: Map<string, number>; path: string }> {
    const path = join(dir, `${randomUUID()}.db`);
    const store = openSqliteStore(path); // creates and migrates the file
    const [t0, t1] = [await startAuditWriterThread(path, ''), await startAuditWriterThread(path, 'worker-1')];
    threads.push(t0, t1);
    const [r0, r1] = [new AuditRecorder({ ...store.audit, append: (e) => t0.append(e) }, { maxBatch: 16 }), new AuditRecorder({ ...store.audit, append: (e) => t1.append(e) }, { maxBatch: 16 })];
    const times = new Map<string, number>();
    // Interleaved event times: writer '' the even seconds, worker-1 the odd ones, all appended at once.
    await Promise.all([
      ...Array.from({ length: PER_WRITER }, (_, i) => r0.record([event(times, 2 * i)])),
      ...Array.from({ length: PER_WRITER }, (_, i) => r1.record([event(times, 2 * i + 1)])),
      r1.record([event(times, 0, 'eu-west-1')]),
    ]);
    return { audit: store.audit, db: openDatabase(path), times, path };
  }

  /** The schema version just before audit_events got its writer column. */
  function versionBeforeWriters(): number {
    const probe = new Database(':memory:');
    try {
      for (let v = 1; ; v++) {
        migrate(probe, v);
        const columns = probe.prepare(`SELECT name FROM pragma_table_info('audit_events')`).pluck().all();
        if (columns.includes('writer')) return v - 1;
        assert.equal(probe.pragma('user_version', { simple: true }), v, 'no migration adds the writer column');
      }
    } finally {
      probe.close();
    }
  }

  const broken = (reports: ChainReport[]) => reports.filter((r) => r.problems.length > 0);

  it('each writer extends its own chain; verify covers every chain; digests are signed per chain', async () => {
    const { audit } = await twoWriters();
    assert.deepEqual(await audit.chains(), [
      { account: ACCOUNT, region: 'eu-west-1', writer: 'worker-1' },
      { account: ACCOUNT, region: 'us-east-1' },
      { account: ACCOUNT, region: 'us-east-1', writer: 'worker-1' },
    ]);
    assert.equal((await audit.head(ACCOUNT, 'us-east-1'))!.chainSeq, PER_WRITER);
    assert.equal((await audit.head(ACCOUNT, 'us-east-1', 'worker-1'))!.chainSeq, PER_WRITER);
    const digests = await signDigests(audit, keyring, clock);
    assert.deepEqual(digests.map((d) => `${d.region}/${d.writer ?? ''}#${d.digestSeq}`), ['eu-west-1/worker-1#1', 'us-east-1/#1', 'us-east-1/worker-1#1']);
    const reports = await verifyAuditTrail(audit, { keyring });
    assert.deepEqual(broken(reports), []);
    assert.deepEqual(reports.map((r) => [r.writer, r.records, r.digests]), [['worker-1', 1, 1], ['', PER_WRITER, 1], ['worker-1', PER_WRITER, 1]]);
  });

  it('LookupEvents merges the writers in time order, newest first, across pages', async () => {
    const { audit, times } = await twoWriters();
    const seen: string[] = [];
    let next: { time: number; seq: number } | undefined;
    do {
      const page = await audit.lookup({ account: ACCOUNT, region: 'us-east-1', limit: 50, ...(next ? { after: next } : {}) });
      seen.push(...page.events.map((e) => e.eventId));
      next = page.next;
    } while (next);
    assert.equal(seen.length, 2 * PER_WRITER);
    assert.equal(new Set(seen).size, seen.length);
    const order = seen.map((id) => times.get(id)!);
    assert.deepEqual(order, [...order].sort((x, y) => y - x), 'newest first across both writers');
  });

  it('an edited record in one writer chain is named, and only that chain is broken', async () => {
    const { audit, db } = await twoWriters();
    await signDigests(audit, keyring, clock);
    db.prepare(`UPDATE audit_events SET record = replace(record, 'RotateKey', 'RotateKeY') WHERE writer = 'worker-1' AND chain_seq = 40`).run();
    const bad = broken(await verifyAuditTrail(audit, { keyring }));
    assert.deepEqual(bad.map((r) => r.writer), ['worker-1']);
    assert.equal(bad[0]!.problems[0]!.kind, 'changed');
    assert.equal(bad[0]!.problems[0]!.chainSeq, 40);
  });

  it('a deleted record is named', async () => {
    const { audit, db } = await twoWriters();
    db.prepare(`DELETE FROM audit_events WHERE writer = '' AND region = 'us-east-1' AND chain_seq = 77`).run();
    const bad = broken(await verifyAuditTrail(audit, { keyring }));
    assert.deepEqual(bad.map((r) => `${r.region}/${r.writer}`), ['us-east-1/']);
    assert.equal(bad[0]!.problems[0]!.kind, 'removed');
    assert.equal(bad[0]!.problems[0]!.chainSeq, 77);
  });

  it('the last record deleted (head rolled back too) is caught by the signed digest', async () => {
    const { audit, db } = await twoWriters();
    await signDigests(audit, keyring, clock);
    const prev = db.prepare(`SELECT hash FROM audit_events WHERE writer = 'worker-1' AND region = 'us-east-1' AND chain_seq = ?`).get(PER_WRITER - 1) as { hash: string };
    db.prepare(`DELETE FROM audit_events WHERE writer = 'worker-1' AND region = 'us-east-1' AND chain_seq = ?`).run(PER_WRITER);
    db.prepare(`UPDATE audit_chains SET chain_seq = ?, hash = ? WHERE writer = 'worker-1' AND region = 'us-east-1'`).run(PER_WRITER - 1, prev.hash);
    const bad = broken(await verifyAuditTrail(audit, { keyring }));
    assert.deepEqual(bad.map((r) => r.writer), ['worker-1']);
    assert.match(bad[0]!.problems.map((p) => p.message).join('\n'), new RegExp(`record #${PER_WRITER}, pinned by signed digest`));
  });

  it('two records swapped (reordered) in a writer chain are named', async () => {
    const { audit, db } = await twoWriters();
    db.transaction(() => {
      db.prepare(`UPDATE audit_events SET chain_seq = -1 WHERE writer = 'worker-1' AND region = 'us-east-1' AND chain_seq = 20`).run();
      db.prepare(`UPDATE audit_events SET chain_seq = 20 WHERE writer = 'worker-1' AND region = 'us-east-1' AND chain_seq = 21`).run();
      db.prepare(`UPDATE audit_events SET chain_seq = 21 WHERE writer = 'worker-1' AND region = 'us-east-1' AND chain_seq = -1`).run();
    })();
    const bad = broken(await verifyAuditTrail(audit, { keyring }));
    assert.deepEqual(bad.map((r) => r.writer), ['worker-1']);
    assert.ok(['reordered', 'changed', 'inserted'].includes(bad[0]!.problems[0]!.kind), JSON.stringify(bad[0]!.problems));
    assert.ok([20, 21].includes(bad[0]!.problems[0]!.chainSeq!), JSON.stringify(bad[0]!.problems));
  });

  it('export writes every writer chain and its digests, signed in the same second, each to its own file', async () => {
    const { audit, times, path } = await twoWriters();
    const third = await startAuditWriterThread(path, 'worker-2'); // a third worker's writer, same region
    threads.push(third);
    await third.append([event(times, 999)]);
    assert.equal((await signDigests(audit, keyring, clock)).length, 4);
    const report = await exportAuditTrail(audit, mkdtempSync(join(dir, 'export-')));
    assert.equal(report.digests, 4);
    assert.equal(report.records, 2 * PER_WRITER + 2);
  });

  it("a trail written before chains had writers becomes writer ''s chain, verifies and keeps growing", async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const old = openDatabase(path);
    migrate(old, versionBeforeWriters()); // the schema before the writers migration
    const named: string[] = [];
    const times = new Map<string, number>();
    let prev = GENESIS_HASH;
    for (let i = 1; i <= 5; i++) {
      const e = event(times, i);
      const hash = linkHash(prev, e.record);
      const { lastInsertRowid } = old.prepare(`INSERT INTO audit_events (account, region, chain_seq, event_id, event_time, event_name, event_source, read_only, record, prev_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(ACCOUNT, e.region, i, e.eventId, e.eventTime.getTime(), e.eventName, e.eventSource, 'false', e.record, prev, hash);
      named.push(e.resources[0]!.name);
      for (const r of e.resources) old.prepare(`INSERT INTO audit_event_lookup VALUES (?, ?, ?, 'ResourceName', ?, ?)`).run(lastInsertRowid, ACCOUNT, e.region, r.name, e.eventTime.getTime());
      prev = hash;
    }
    old.prepare(`INSERT INTO audit_chains (account, region, chain_seq, hash) VALUES (?, 'us-east-1', 5, ?)`).run(ACCOUNT, prev);
    old.close();
    const store = openSqliteStore(path); // runs the writers migration
    assert.deepEqual(await store.audit.chains(), [{ account: ACCOUNT, region: 'us-east-1' }]);
    await store.audit.append([event(times, 6)]);
    assert.deepEqual(await store.audit.head(ACCOUNT, 'us-east-1'), { chainSeq: 6, hash: (await store.audit.chainPage(ACCOUNT, 'us-east-1', 5, 1))[0]!.hash });
    assert.deepEqual(broken(await verifyAuditTrail(store.audit, { keyring })), []);
    // The block summaries built by the migration find the old records.
    const page = await store.audit.lookup({ account: ACCOUNT, region: 'us-east-1', attribute: { key: 'ResourceName', value: named[2]! }, limit: 10 });
    assert.deepEqual(page.events.map((e) => e.chainSeq), [3]);
    await store.close();
  });
});
