/**
 * The SQLite trail's LookupEvents index by block summaries (src/store/sqlite/audit-blocks.ts):
 * random records appended in random group sizes, out of time order and from two writers, then
 * every attribute looked up with random time bounds and page sizes, paged to the end, against a
 * scan of all records; the same over a trail summarized by the migration; GetKeyLastUsage's
 * lookup; a walk while another writer grows a block; and the value-set encoding itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { toStoredEvent } from '../../src/audit/record-index.js';
import type { CloudTrailRecord } from '../../src/audit/record.js';
import type { AuditLookup, AuditStore, LookupAttributeKey, NewAuditEvent } from '../../src/store/audit-ports.js';
import { BLOCK_SPAN_MS, blockFinder, encodeBlockHashes, hashBytes, lookupHash } from '../../src/store/sqlite/audit-blocks.js';
import { migrate } from '../../src/store/sqlite/schema.js';
import { sqliteAuditStore } from '../../src/store/sqlite/sqlite-audit.js';
import { openDatabase } from '../../src/store/sqlite/sqlite-store.js';
import { Prng } from '../reliability/lib/prng.js';

const dir = mkdtempSync(join(tmpdir(), 'locksmith-audit-blocks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ACCOUNTS = ['111111111111', '222222222222'];
const REGION = 'us-east-1';
const T0 = Date.parse('2026-03-01T00:00:00Z');
/** The records' time step: half the time a block spans at most, so groups out of time order split blocks. */
const TICK = BLOCK_SPAN_MS / 2;
const USERS = ['alice', 'bob', 'carol'];
const KEYS = ['1', '2', '3', '4'].map((d) => `arn:aws:kms:${REGION}:111111111111:key/${d.repeat(8)}-1111-1111-1111-111111111111`);
const NAMES = ['Encrypt', 'Decrypt', 'DescribeKey', 'CreateUser', 'GenerateDataKey'];
const KEY_IDS = ['AKIAAAAAAAAAAAAAAAAA', 'AKIABBBBBBBBBBBBBBBB', 'ASIACCCCCCCCCCCCCCCC'];

/** The first two groups of a version-7 UUID: its 48-bit time in milliseconds. */
const v7Prefix = (ms: number) => ms.toString(16).padStart(12, '0').replace(/^(.{8})(.{4})$/, '$1-$2');

/**
 * A random record: KMS or IAM, an IAM user or the root, 0–4 key resources, now and then failed.
 * Its time follows its index (a trail grows with time) give or take 3 ticks (half a block's span): groups overlap.
 */
function randomEvent(r: Prng, i: number): NewAuditEvent {
  const account = r.pick(ACCOUNTS);
  const name = r.pick(NAMES);
  const iam = name === 'CreateUser';
  const user = r.chance(0.8) ? r.pick(USERS) : undefined;
  const time = T0 + Math.max(0, Math.floor(i / 25) + r.int(-3, 3)) * TICK;
  const record: CloudTrailRecord = {
    eventVersion: '1.09',
    userIdentity: user
      ? { type: 'IAMUser', principalId: `AIDA${user}`, arn: `arn:aws:iam::${account}:user/${user}`, accountId: account, accessKeyId: r.pick(KEY_IDS), userName: user }
      : { type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account, ...(r.chance(0.5) ? { accessKeyId: r.pick(KEY_IDS) } : {}) },
    eventTime: new Date(time).toISOString().slice(0, -5) + 'Z',
    eventSource: iam ? 'iam.amazonaws.com' : 'kms.amazonaws.com',
    eventName: name,
    awsRegion: REGION,
    sourceIPAddress: '127.0.0.1',
    userAgent: 'blocks',
    ...(r.chance(0.2) ? { errorCode: 'AccessDeniedException' } : {}),
    // A refused call's request may name what no valid request can: JSON escapes in the record's text.
    requestParameters: iam ? { userName: r.pick([...USERS, 'q"uo\\te\u0007d']) } : null,
    responseElements: null,
    // As the server writes them (version 7: the call's milliseconds first, so a lookup by eventID reads
    // only that second's blocks), or random (version 4), as records written before.
    eventID: r.chance(0.5) ? `${v7Prefix(time + r.int(0, 999))}-7000-8000-${String(i).padStart(12, '0')}` : `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    readOnly: name !== 'CreateUser',
    ...(iam ? {} : { resources: KEYS.filter(() => r.chance(0.3)).map((ARN) => ({ accountId: account, type: 'AWS::KMS::Key', ARN })) }),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  };
  return toStoredEvent(record, new Date(time));
}

/** What an event offers each attribute. */
function values(e: NewAuditEvent, key: LookupAttributeKey): string[] {
  switch (key) {
    case 'EventId': return [e.eventId];
    case 'EventName': return [e.eventName];
    case 'ReadOnly': return [String(e.readOnly)];
    case 'Username': return e.username === undefined ? [] : [e.username];
    case 'EventSource': return [e.eventSource];
    case 'AccessKeyId': return e.accessKeyId === undefined ? [] : [e.accessKeyId];
    case 'ResourceType': return e.resources.map((x) => x.type);
    case 'ResourceName': return e.resources.map((x) => x.name);
  }
}
const TICKS = 60;
const ATTRIBUTES: LookupAttributeKey[] = ['EventId', 'EventName', 'ReadOnly', 'Username', 'EventSource', 'AccessKeyId', 'ResourceType', 'ResourceName'];

interface Stored { event: NewAuditEvent; seq: number }

/** Every stored record with its seq, by event id. */
function storedOf(db: Database.Database, events: NewAuditEvent[]): Stored[] {
  const seqs = new Map((db.prepare('SELECT event_id, seq FROM audit_events').all() as { event_id: string; seq: number }[]).map((x) => [x.event_id, x.seq]));
  return events.map((event) => ({ event, seq: seqs.get(event.eventId)! }));
}

/** Every block summarizes exactly the records of its writer, account and region in its seq range: their count and time range, within BLOCK_SPAN_MS. */
function checkBlocks(db: Database.Database): void {
  const blocks = db.prepare('SELECT * FROM audit_blocks').all() as { account: string; region: string; writer: string; first_seq: number; last_seq: number; min_time: number; max_time: number; records: number }[];
  const inRange = db.prepare(`SELECT COUNT(*) AS n, MIN(event_time) AS min, MAX(event_time) AS max FROM audit_events
    WHERE seq BETWEEN ? AND ? AND account = ? AND region = ? AND writer = ?`);
  for (const b of blocks) {
    const r = inRange.get(b.first_seq, b.last_seq, b.account, b.region, b.writer) as { n: number; min: number; max: number };
    assert.deepEqual([r.n, r.min, r.max], [b.records, b.min_time, b.max_time], JSON.stringify(b));
    assert.ok(b.max_time - b.min_time <= BLOCK_SPAN_MS, JSON.stringify(b));
  }
  const total = db.prepare('SELECT COUNT(*) FROM audit_events').pluck().get();
  assert.equal(blocks.reduce((n, b) => n + b.records, 0), total, 'every record in one block');
}

/** Pages through a lookup to its end; returns the event ids in the order served. */
async function pageThrough(audit: AuditStore, q: Omit<AuditLookup, 'after'>): Promise<string[]> {
  const ids: string[] = [];
  let after: AuditLookup['after'];
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 1000, 'paging does not end');
    const page = await audit.lookup({ ...q, after });
    ids.push(...page.events.map((e) => e.eventId));
    if (!page.next) return ids;
    assert.equal(page.events.length, q.limit, 'a page before the last is full');
    after = page.next;
  }
}

/** Random lookups, each against a scan of all records. */
async function checkLookups(r: Prng, audit: AuditStore, stored: Stored[], rounds: number): Promise<number> {
  let nonEmpty = 0;
  for (let n = 0; n < rounds; n++) {
    const account = r.pick(ACCOUNTS);
    const key = r.chance(0.1) ? undefined : r.pick(ATTRIBUTES);
    const mine = stored.filter((s) => s.event.account === account);
    const pool = key ? mine.flatMap((s) => values(s.event, key)) : [];
    const value = key ? (r.chance(0.05) || pool.length === 0 ? 'no-such-value' : r.pick(pool)) : '';
    const start = r.chance(0.4) ? T0 + r.int(0, TICKS) * TICK : undefined;
    const end = r.chance(0.4) ? T0 + r.int(0, TICKS) * TICK : undefined;
    const want = mine
      .filter((s) => (!key || values(s.event, key).includes(value)) && (start === undefined || s.event.eventTime.getTime() >= start) &&
        (end === undefined || s.event.eventTime.getTime() <= end))
      .sort((a, b) => b.event.eventTime.getTime() - a.event.eventTime.getTime() || b.seq - a.seq)
      .map((s) => s.event.eventId);
    const limit = Math.max(r.pick([1, 3, 10, 50]), Math.ceil(want.length / 12)); // at most a dozen pages
    const q = { account, region: REGION, limit, ...(key ? { attribute: { key, value } } : {}),
      ...(start === undefined ? {} : { startTime: new Date(start) }), ...(end === undefined ? {} : { endTime: new Date(end) }) };
    assert.deepEqual(await pageThrough(audit, q), want, JSON.stringify(q));
    if (want.length > 0) nonEmpty++;
  }
  return nonEmpty;
}

/** GetKeyLastUsage's lookup for every key and a few operation sets, against a scan. */
async function checkLastUsage(audit: AuditStore, stored: Stored[]): Promise<void> {
  for (const account of ACCOUNTS) {
    for (const key of KEYS) {
      for (const names of [['Encrypt', 'Decrypt'], ['GenerateDataKey'], ['Sign']]) {
        const want = stored
          .filter((s) => s.event.account === account && s.event.resources.some((x) => x.name === key) && names.includes(s.event.eventName) &&
            JSON.parse(s.event.record).errorCode === undefined)
          .sort((a, b) => b.event.eventTime.getTime() - a.event.eventTime.getTime() || b.seq - a.seq)[0];
        const got = await audit.lastKeyUsage(account, REGION, key, names);
        assert.equal(got?.eventId, want?.event.eventId, `${account} ${key} ${names}`);
      }
    }
  }
}

describe('audit lookups through block summaries (sqlite)', () => {
  it('a value set holds what was put in it and, but for collisions, nothing else', () => {
    const put = new Set(['a', 'b', 'c', 'alias/x'].map((v) => lookupHash('EventName', v)));
    const set = encodeBlockHashes(put);
    const holds = (s: Buffer, h: number) => s.includes(hashBytes(h)); // what the walk's instr() tests
    assert.equal(set.length, 16);
    for (const h of put) assert.ok(holds(set, h));
    assert.ok(!holds(set, lookupHash('EventName', 'd')));
    assert.ok(!holds(set, lookupHash('Username', 'a')), 'the attribute is part of the hashed value');
    assert.ok(!holds(encodeBlockHashes(new Set()), lookupHash('EventName', 'a')));
    // FNV-1a 32 of "EventName\0a" (python3: h ^= byte; h = h * 0x01000193 mod 2**32, from 0x811c9dc5): summaries on disk were written with it.
    assert.equal(lookupHash('EventName', 'a'), 0xbd660b2f);
  });

  it('finds what a scan of every record finds, paged without gaps or repeats, from two writers in random groups', async () => {
    const r = new Prng(0xb10c);
    const path = join(dir, 'appended.db');
    const [db1, db2] = [openDatabase(path), openDatabase(path)];
    migrate(db1);
    const writers = [sqliteAuditStore(db1), sqliteAuditStore(db2, 'worker-1')];
    const events: NewAuditEvent[] = [];
    for (let i = 0; events.length < 1500; i++) {
      const group = Array.from({ length: r.chance(0.3) ? 1 : r.int(2, 60) }, (_, k) => randomEvent(r, events.length + k));
      await r.pick(writers).append(group);
      events.push(...group);
    }
    const stored = storedOf(db1, events);
    // Groups and single records join a writer's newest block up to 64 records within BLOCK_SPAN_MS (these
    // records' times jitter by 1.5 spans, so some blocks are cut short by their span); the two writers'
    // blocks overlap in seq.
    const blocks = db1.prepare(`SELECT COUNT(*) AS n, MAX(records) AS most, SUM(records) AS total, MAX(max_time - min_time) AS span,
      SUM(records > 1) AS joined FROM audit_blocks`).get() as { n: number; most: number; total: number; span: number; joined: number };
    assert.deepEqual([blocks.most <= 64, blocks.total, blocks.span <= BLOCK_SPAN_MS, blocks.n < events.length / 1.5, blocks.joined > blocks.n / 3],
      [true, events.length, true, true, true], JSON.stringify(blocks));
    checkBlocks(db1);
    assert.ok((await checkLookups(r, writers[1]!, stored, 250)) > 180, 'most lookups find something');
    await checkLastUsage(writers[0]!, stored);
    db1.close();
    db2.close();
  });

  it('walks one snapshot: a block another writer grows during the walk is not passed over', async () => {
    const r = new Prng(0x5a);
    const path = join(dir, 'snapshot.db');
    const [db1, db2] = [openDatabase(path), openDatabase(path)];
    migrate(db1);
    const [a, b] = [sqliteAuditStore(db2), sqliteAuditStore(db2, 'worker-1')];
    const at = (second: number, n: number) => Array.from({ length: n }, (_, i) => {
      const e = randomEvent(r, 0);
      return { ...e, account: ACCOUNTS[0]!, eventId: `${second}-${i}`, eventTime: new Date(T0 + second * 1000) };
    });
    await a.append(at(100, 10)); // writer '': one block of 10 at second 100
    for (let s = 101; s <= 109; s++) await b.append(at(s, 60)); // worker-1: nine blocks, newer: the walk's first step takes eight
    let grown = false;
    const found = blockFinder(db1)({ account: ACCOUNTS[0]!, region: REGION, limit: 10_000, also: () => {
      // Mid-walk, writer '' appends at second 150: its block (10 + 1 records) moves to the top of the order.
      if (!grown) void a.append(at(150, 1));
      return (grown = true);
    } });
    assert.equal(found.length, 10 + 9 * 60, 'every record committed when the walk began, and none after');
    assert.equal(found.filter((e) => e.event_time === T0 + 100_000).length, 10);
    db1.close();
    db2.close();
  });

  it('finds the same in a trail written before block summaries, once migrated', async () => {
    const r = new Prng(0x01d);
    const path = join(dir, 'migrated.db');
    const db = openDatabase(path);
    const probe = new Database(':memory:');
    let before = 1;
    for (; ; before++) {
      migrate(probe, before);
      if (probe.prepare(`SELECT name FROM sqlite_master WHERE name = 'audit_blocks'`).get()) break;
    }
    probe.close();
    migrate(db, before - 1);
    const insert = db.prepare(`INSERT INTO audit_events (account, region, writer, chain_seq, event_id, event_time, event_name, event_source, read_only,
      username, access_key_id, record, prev_hash, hash) VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '')`);
    const events = Array.from({ length: 1200 }, (_, i) => randomEvent(r, i));
    events.forEach((e, i) => insert.run(e.account, e.region, i + 1, e.eventId, e.eventTime.getTime(), e.eventName, e.eventSource, String(e.readOnly),
      e.username ?? null, e.accessKeyId ?? null, e.record));
    migrate(db);
    assert.ok((db.prepare('SELECT COUNT(*) FROM audit_blocks').pluck().get() as number) >= 4, 'more than one block per account');
    const audit = sqliteAuditStore(db);
    const stored = storedOf(db, events);
    assert.ok((await checkLookups(r, audit, stored, 150)) > 100);
    await checkLastUsage(audit, stored);
    db.close();
  });

  it('summarizes again the blocks written before spans were bounded, once migrated', async () => {
    const r = new Prng(0x5ba);
    const path = join(dir, 'spans.db');
    const db = openDatabase(path);
    const probe = new Database(':memory:');
    migrate(probe);
    const all = probe.pragma('user_version', { simple: true }) as number;
    probe.close();
    migrate(db, all - 1);
    const audit = sqliteAuditStore(db);
    const events: NewAuditEvent[] = [];
    while (events.length < 1200) {
      const group = Array.from({ length: r.int(1, 40) }, (_, k) => randomEvent(r, events.length + k));
      await audit.append(group);
      events.push(...group);
    }
    // As the summaries of that version could be: each account's records in blocks of up to 64, whatever their span.
    db.exec(`DELETE FROM audit_blocks`);
    const rows = db.prepare('SELECT seq, account, event_time FROM audit_events ORDER BY seq').all() as { seq: number; account: string; event_time: number }[];
    const insert = db.prepare(`INSERT INTO audit_blocks (account, region, max_time, first_seq, writer, last_seq, min_time, records, hashes) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?)`);
    for (const account of ACCOUNTS) {
      const mine = rows.filter((x) => x.account === account);
      for (let i = 0; i < mine.length; i += 64) {
        const block = mine.slice(i, i + 64);
        const hashes = new Set<number>();
        for (const x of block) for (const key of ATTRIBUTES) for (const v of values(events[x.seq - 1]!, key)) hashes.add(lookupHash(key, v));
        const times = block.map((x) => x.event_time);
        insert.run(account, REGION, Math.max(...times), block[0]!.seq, block[block.length - 1]!.seq, Math.min(...times), block.length, encodeBlockHashes(hashes));
      }
    }
    assert.ok((db.prepare('SELECT MAX(max_time - min_time) FROM audit_blocks').pluck().get() as number) > BLOCK_SPAN_MS);
    migrate(db);
    checkBlocks(db);
    const stored = storedOf(db, events);
    assert.ok((await checkLookups(r, sqliteAuditStore(db), stored, 150)) > 100);
    db.close();
  });
});
