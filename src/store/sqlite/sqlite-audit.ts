import { writeTransaction } from './transaction.js';
import type Database from 'better-sqlite3';
import { GENESIS_HASH, linkHash } from '../../audit/hash-chain.js';
import { storedEventTime } from '../../audit/record-index.js';
import { eventIdTime } from '../../audit/record.js';
import type { AuditDigest, AuditStore, ChainHead, NewAuditEvent, StoredAuditEvent, StoredIntent } from '../audit-ports.js';
import { toDigest, toEvent, toKey, type DigestRow, type EventRow, type KeyRow } from '../audit-rows.js';
import { AuditBlocks, blockFinder, blockWriter, chainKey } from './audit-blocks.js';

const digestWithWriter = (r: DigestRow & { writer: string }): AuditDigest => ({ ...toDigest(r), ...(r.writer ? { writer: r.writer } : {}) });

/** A stored record with the writer whose chain holds it. */
const withWriter = (r: EventRow & { writer: string }): StoredAuditEvent => (r.writer ? { ...toEvent(r), writer: r.writer } : toEvent(r));

/**
 * The SQLite audit store. `writer` names the chains this connection appends to: '' for a single
 * process, one id per `serve --workers` process (each appends from its own writer thread, so no
 * record crosses processes). Reading, verifying and signing digests cover every writer's chains.
 */
export function sqliteAuditStore(db: Database.Database, writer = ''): AuditStore {
  const head = db.prepare(`SELECT chain_seq, hash FROM audit_chains WHERE account = ? AND region = ? AND writer = ?`);
  const setHead = db.prepare(`INSERT INTO audit_chains (account, region, writer, chain_seq, hash) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (account, region, writer) DO UPDATE SET chain_seq = excluded.chain_seq, hash = excluded.hash`);
  const insertRows = rowInserter(db);
  const chains = db.prepare(`SELECT account, region, writer FROM audit_chains UNION SELECT account, region, writer FROM audit_digests ORDER BY 1, 2, 3`);
  const page = db.prepare(`SELECT * FROM audit_events WHERE account = ? AND region = ? AND writer = ? AND chain_seq > ? ORDER BY chain_seq LIMIT ?`);
  const range = db.prepare(`SELECT COUNT(*) AS n, MIN(event_time) AS oldest, MAX(event_time) AS newest FROM audit_events
    WHERE account = ? AND region = ? AND writer = ? AND chain_seq BETWEEN ? AND ?`);
  const insertKey = db.prepare(`INSERT OR IGNORE INTO audit_digest_keys (region, fingerprint, public_key, wrapped_private_key, created_at) VALUES (?, ?, ?, ?, ?)`);
  const selectKey = db.prepare(`SELECT * FROM audit_digest_keys WHERE region = ?`);
  const insertDigest = db.prepare(`INSERT OR IGNORE INTO audit_digests (account, region, writer, digest_seq, created_at, body, signature) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const selectDigests = db.prepare(`SELECT * FROM audit_digests WHERE account = ? AND region = ? AND writer = ? ORDER BY digest_seq`);
  const selectLastDigest = db.prepare(`SELECT * FROM audit_digests WHERE account = ? AND region = ? AND writer = ? ORDER BY digest_seq DESC LIMIT 1`);
  const find = blockFinder(db);
  const writeBlocks = blockWriter(db, writer);

  const storedHead = (account: string, region: string, w = writer): ChainHead | undefined => {
    const r = head.get(account, region, w) as { chain_seq: number; hash: string } | undefined;
    return r && { chainSeq: r.chain_seq, hash: r.hash };
  };

  const insertIntent = db.prepare(`INSERT OR REPLACE INTO audit_intents (request_id, account, region, event_time, record) VALUES (?, ?, ?, ?, ?)`);
  const settleIntent = db.prepare(`DELETE FROM audit_intents WHERE request_id = ?`);
  const unsettled = db.prepare(`SELECT * FROM audit_intents WHERE event_time < ? ORDER BY event_time, request_id`);

  const append = writeTransaction(db, (events: Parameters<AuditStore['append']>[0]) => {
    const heads = new Map<string, ChainHead>();
    const blocks = new AuditBlocks();
    // The records' values, in order, written INSERT_ROWS at a time (then fewer for the rest).
    const values: unknown[] = [];
    const pending: { e: NewAuditEvent; time: number; chain: string }[] = [];
    const write = () => {
      // One statement's rows get consecutive seqs (AUTOINCREMENT; this transaction holds the write lock).
      const last = Number(insertRows(pending.length, values));
      pending.forEach((p, i) => blocks.add(p.e, last - pending.length + 1 + i, p.time, p.chain));
      values.length = 0;
      pending.length = 0;
    };
    // The chain of the previous record, kept: consecutive records are mostly of one account and region.
    let chain = '';
    let account: string | undefined;
    let region: string | undefined;
    for (const e of events) {
      if (e.intentOf !== undefined) {
        insertIntent.run(e.intentOf, e.account, e.region, e.eventTime.getTime(), e.record);
        continue;
      }
      if (e.settles !== undefined) settleIntent.run(e.settles);
      if (e.account !== account || e.region !== region) {
        account = e.account;
        region = e.region;
        chain = chainKey(account, region);
      }
      const prev = heads.get(chain) ?? storedHead(e.account, e.region) ?? { chainSeq: 0, hash: GENESIS_HASH };
      const prevSeq = prev.chainSeq;
      const prevHash = prev.hash;
      const hash = linkHash(prevHash, e.record);
      const time = e.eventTime.getTime();
      values.push(e.account, e.region, writer, prevSeq + 1, e.eventId, time, e.eventName, e.eventSource, String(e.readOnly),
        e.username ?? null, e.accessKeyId ?? null, e.record, prevHash, hash);
      pending.push({ e, time, chain });
      if (pending.length === INSERT_ROWS) write();
      heads.set(chain, { chainSeq: prevSeq + 1, hash });
    }
    if (pending.length > 0) write();
    for (const [chain, h] of heads) {
      const [account, region] = chain.split('\u0000');
      setHead.run(account, region, writer, h.chainSeq, h.hash);
    }
    writeBlocks(blocks.take());
  });

  return {
    async append(events) {
      if (events.length > 0) append(events);
    },
    async lookup(q) {
      let from = q.startTime?.getTime();
      let to = q.endTime?.getTime();
      // A version-7 eventID carries its record's time: only the blocks that can hold that second are
      // read (a rare value otherwise reads every block's summary).
      const idTime = q.attribute?.key === 'EventId' ? eventIdTime(q.attribute.value) : undefined;
      if (idTime !== undefined) {
        const at = storedEventTime(idTime);
        from = Math.max(from ?? at, at);
        to = Math.min(to ?? at, at);
      }
      const rows = find({ account: q.account, region: q.region, attribute: q.attribute, from, to, before: q.after, limit: q.limit + 1 });
      const more = rows.length > q.limit;
      if (more) rows.length = q.limit;
      const last = rows[rows.length - 1];
      return { events: (rows as (EventRow & { writer: string })[]).map(withWriter), ...(more && last ? { next: { time: last.event_time, seq: last.seq } } : {}) };
    },
    async unsettledIntents(before) {
      return (unsettled.all(before.getTime()) as { request_id: string; account: string; region: string; event_time: number; record: string }[]).map(
        (r): StoredIntent => ({ requestId: r.request_id, account: r.account, region: r.region, eventTime: new Date(r.event_time), record: r.record }),
      );
    },
    async lastKeyUsage(account, region, keyArn, eventNames) {
      const [r] = find({ account, region, attribute: { key: 'ResourceName', value: keyArn }, limit: 1,
        also: (e) => eventNames.includes(e.event_name) && (JSON.parse(e.record) as { errorCode?: string }).errorCode === undefined });
      return r && withWriter(r as EventRow & { writer: string });
    },
    async chains() {
      return (chains.all() as { account: string; region: string; writer: string }[]).map((c) => (c.writer === '' ? { account: c.account, region: c.region } : c));
    },
    async head(account, region, w = '') {
      return storedHead(account, region, w);
    },
    async chainPage(account, region, after, limit, w = '') {
      return (page.all(account, region, w, after, limit) as (EventRow & { writer: string })[]).map(withWriter);
    },
    async chainRange(account, region, from, to, w = '') {
      const r = range.get(account, region, w, from, to) as { n: number; oldest: number | null; newest: number | null };
      return { count: r.n, ...(r.oldest === null ? {} : { oldest: new Date(r.oldest) }), ...(r.newest === null ? {} : { newest: new Date(r.newest) }) };
    },
    async ensureDigestKey(k) {
      insertKey.run(k.region, k.fingerprint, k.publicKey, k.wrappedPrivateKey, k.createdAt.getTime());
      return toKey(selectKey.get(k.region) as KeyRow);
    },
    async digestKey(region) {
      const r = selectKey.get(region) as KeyRow | undefined;
      return r && toKey(r);
    },
    async appendDigest(d) {
      return insertDigest.run(d.account, d.region, d.writer ?? '', d.digestSeq, d.createdAt.getTime(), d.body, d.signature).changes > 0;
    },
    async digests(account, region, w = '') {
      return (selectDigests.all(account, region, w) as (DigestRow & { writer: string })[]).map(digestWithWriter);
    },
    async lastDigest(account, region, w = '') {
      const r = selectLastDigest.get(account, region, w) as (DigestRow & { writer: string }) | undefined;
      return r && digestWithWriter(r);
    },
  };
}

/** Records per INSERT statement: one statement per record cost the writer ~0.8 µs more per record (bench/README.md, fourteenth pass). */
const INSERT_ROWS = 32;

const EVENT_COLUMNS = `account, region, writer, chain_seq, event_id, event_time, event_name, event_source, read_only, username, access_key_id, record,
  prev_hash, hash`;

/** Inserts n records' values (one per column of EVENT_COLUMNS, in its order) in one statement; returns the last one's seq. */
function rowInserter(db: Database.Database): (n: number, values: unknown[]) => number | bigint {
  const statements: Database.Statement[] = [];
  const row = `(${EVENT_COLUMNS.split(',').map(() => '?').join(', ')})`;
  return (n, values) => {
    const statement = (statements[n] ??= db.prepare(`INSERT INTO audit_events (${EVENT_COLUMNS}) VALUES ${Array(n).fill(row).join(', ')}`));
    return statement.run(values).lastInsertRowid;
  };
}
