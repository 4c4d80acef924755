import type Database from 'better-sqlite3';
import { lookupResources } from '../../audit/record-index.js';
import type { CloudTrailRecord } from '../../audit/record.js';
import type { LookupAttributeKey, LookupResource, NewAuditEvent } from '../audit-ports.js';
import { COLUMNS, type EventRow } from '../audit-rows.js';

/**
 * The LookupEvents index of the SQLite trail: a summary per block of records instead of an index
 * entry per record and attribute (a data-skipping index, as PostgreSQL's BRIN or ClickHouse's skip
 * indexes). A block is the records one writer appended to one account and region in one or more
 * consecutive append transactions (up to BLOCK_RECORDS); its summary holds their time range, the
 * seq range they lie in and the set of their attribute values (EventId, EventName, ReadOnly,
 * Username, EventSource, AccessKeyId, ResourceType, ResourceName), each as a 32-bit hash. A lookup
 * walks the blocks newest first, reads the records of the blocks whose set may hold the value and
 * keeps those that match exactly, so a hash collision only costs a block read. One summary row per
 * block replaced eleven b-tree entries per record (the time and seven attribute indexes, the
 * resource lookup rows and their index): bench/README.md, "A LookupEvents index per block".
 */

/** 32-bit FNV-1a of `key NUL value`, over its UTF-16 code units (not a cryptographic hash: it only decides which blocks are read). */
export function lookupHash(key: LookupAttributeKey, value: string): number {
  // The key, the NUL and the value in turn, not their concatenation: that built a new string per
  // value (about ten per record), each flattened before its first charCodeAt.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h, 0x01000193); // h ^ 0 (the NUL) is h
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** What a block summary holds of one record: each attribute value LookupEvents can filter on. */
export function eventLookupHashes(e: NewAuditEvent, into: Set<number>): void {
  into.add(lookupHash('EventId', e.eventId));
  into.add(lookupHash('EventName', e.eventName));
  into.add(lookupHash('ReadOnly', String(e.readOnly)));
  into.add(lookupHash('EventSource', e.eventSource));
  if (e.username !== undefined) into.add(lookupHash('Username', e.username));
  if (e.accessKeyId !== undefined) into.add(lookupHash('AccessKeyId', e.accessKeyId));
  for (const r of e.resources) {
    into.add(lookupHash('ResourceType', r.type));
    into.add(lookupHash('ResourceName', r.name));
  }
}

/** A block's value set as stored: the hashes, 4 bytes each, little-endian. */
export function encodeBlockHashes(hashes: Set<number>): Buffer {
  const out = Buffer.alloc(hashes.size * 4);
  let at = 0;
  for (const h of hashes) at = out.writeUInt32LE(h, at);
  return out;
}

/** A hash as its 4 bytes in a stored value set. */
export function hashBytes(hash: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(hash);
  return b;
}

/** The lookup resources of a stored record, derived from its text as when it was appended. */
export const storedResources = (r: Pick<EventRow, 'record'>): LookupResource[] => lookupResources(JSON.parse(r.record) as CloudTrailRecord);

/** Whether a stored record has the attribute value (exactly: the block summaries may hold false positives). */
export function rowMatches(r: EventRow, key: LookupAttributeKey, value: string): boolean {
  if (key === 'ResourceName') return storedResources(r).some((x) => x.name === value);
  if (key === 'ResourceType') return storedResources(r).some((x) => x.type === value);
  return (r as unknown as Record<string, unknown>)[COLUMNS[key]!] === value;
}

/** Records a block summarizes at most: a trail written a call at a time grows its newest block up to this. */
export const BLOCK_RECORDS = 64;

/**
 * The time a block's records span at most (ms). A block holding a record of time t ends by
 * t + BLOCK_SPAN_MS, so a lookup ending at `to` (an EndTime, an eventID's second, a page's position)
 * starts its walk at the blocks ending by to + BLOCK_SPAN_MS instead of at the newest. A busy trail
 * fills a block in milliseconds; one of a call a second still fills it; a quieter one has smaller
 * blocks (more summaries for a rare value's walk to read).
 */
export const BLOCK_SPAN_MS = 60_000;

/** The summary of one block being written. */
export interface AuditBlock {
  account: string;
  region: string;
  firstSeq: number;
  lastSeq: number;
  minTime: number;
  maxTime: number;
  records: number;
  hashes: Set<number>;
}

interface BlockRow { max_time: number; first_seq: number; last_seq: number; min_time: number; records: number; hashes: Buffer }

/**
 * Writes block summaries for one writer's connection: each call's blocks, one per account and
 * region, join the writer's newest block of that account and region while it summarizes fewer
 * than BLOCK_RECORDS records within BLOCK_SPAN_MS (no other writer's records lie in its seq range:
 * each block and the records query name their writer), else start a new one. `join: false` (a
 * migration summarizing older records again) writes the blocks as they are.
 */
export function blockWriter(db: Database.Database, writer: string, { join = true } = {}): (blocks: Iterable<AuditBlock>) => void {
  const newest = db.prepare(`SELECT max_time, first_seq, last_seq, min_time, records, hashes FROM audit_blocks
    WHERE account = ? AND region = ? AND writer = ? ORDER BY first_seq DESC LIMIT 1`);
  const remove = db.prepare(`DELETE FROM audit_blocks WHERE account = ? AND region = ? AND max_time = ? AND first_seq = ?`);
  const insert = db.prepare(`INSERT INTO audit_blocks (account, region, max_time, first_seq, writer, last_seq, min_time, records, hashes)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  return (blocks) => {
    for (const b of blocks) {
      const last = join ? (newest.get(b.account, b.region, writer) as BlockRow | undefined) : undefined;
      if (last && last.records + b.records <= BLOCK_RECORDS && Math.max(b.maxTime, last.max_time) - Math.min(b.minTime, last.min_time) <= BLOCK_SPAN_MS) {
        remove.run(b.account, b.region, last.max_time, last.first_seq);
        for (let i = 0; i < last.hashes.length; i += 4) b.hashes.add(last.hashes.readUInt32LE(i));
        b.firstSeq = last.first_seq;
        b.minTime = Math.min(b.minTime, last.min_time);
        b.maxTime = Math.max(b.maxTime, last.max_time);
        b.records += last.records;
      }
      insert.run(b.account, b.region, b.maxTime, b.firstSeq, writer, b.lastSeq, b.minTime, b.records, encodeBlockHashes(b.hashes));
    }
  };
}

/** The key of one account and region's chain (and of its block in an append). */
export const chainKey = (account: string, region: string): string => `${account}\u0000${region}`;

/**
 * The blocks of one append transaction as its records are inserted: one per account and region,
 * and another whenever the next record would make a block span more than BLOCK_SPAN_MS.
 */
export class AuditBlocks {
  private readonly open = new Map<string, AuditBlock>();
  /** Blocks of this transaction closed by their span, in seq order per chain. */
  private readonly closed: AuditBlock[] = [];

  add(e: NewAuditEvent, seq: number, time: number, chain = chainKey(e.account, e.region)): void {
    let b = this.open.get(chain);
    if (b && Math.max(b.maxTime, time) - Math.min(b.minTime, time) > BLOCK_SPAN_MS) {
      this.closed.push(b);
      b = undefined;
    }
    if (!b) this.open.set(chain, (b = { account: e.account, region: e.region, firstSeq: seq, lastSeq: seq, minTime: time, maxTime: time, records: 0, hashes: new Set() }));
    b.lastSeq = seq;
    b.records++;
    if (time < b.minTime) b.minTime = time;
    if (time > b.maxTime) b.maxTime = time;
    eventLookupHashes(e, b.hashes);
  }

  /** Records added since the last take(). */
  get size(): number {
    let n = 0;
    for (const b of this.closed) n += b.records;
    for (const b of this.open.values()) n += b.records;
    return n;
  }

  /** The blocks, emptied: written in the same transaction as their records. */
  take(): AuditBlock[] {
    const out = [...this.closed, ...this.open.values()];
    this.closed.length = 0;
    this.open.clear();
    return out;
  }
}

/** A lookup through the block summaries: records of one account and region (with the attribute value), newest first. */
export interface BlockQuery {
  account: string;
  region: string;
  /** Absent: every record in the time bounds. */
  attribute?: { key: LookupAttributeKey; value: string };
  /** Inclusive bounds on event_time (absent: none). */
  from?: number;
  to?: number;
  /** Only records before this position (event_time, seq), exclusive. */
  before?: { time: number; seq: number };
  limit: number;
  /** A further condition on a matching record. */
  also?: (r: EventRow) => boolean;
}

const newestFirst = (a: EventRow, b: EventRow) => b.event_time - a.event_time || b.seq - a.seq;

/**
 * Finds records through the block summaries: walks the account's blocks by newest event time,
 * reads the records of the blocks in the time bounds whose value set may hold the value, and stops
 * once no later block can hold a record newer than the `limit` found so far.
 */
export function blockFinder(db: Database.Database): (q: BlockQuery) => EventRow[] {
  // The value test runs in SQLite (instr over the set's bytes; a match across two hashes' bytes
  // only costs reading the block): the walk hands JavaScript only the blocks that may match.
  const blocksSql = (test: string) => db.prepare(`SELECT max_time, first_seq, last_seq, writer FROM audit_blocks
    WHERE account = ? AND region = ? AND (max_time, first_seq) < (?, ?) AND max_time >= ? AND min_time <= ?${test}
    ORDER BY max_time DESC, first_seq DESC LIMIT ?`);
  const allBlocks = blocksSql('');
  const blocksHolding = blocksSql(' AND instr(hashes, ?) > 0');
  const blockRecords = new Map<string, Database.Statement>();
  /**
   * A block's records that may match, the attribute tested in SQL: a column, or a ResourceName as
   * text of the record (every resource name is a string value in it: an ARN of `resources`, an
   * IAM request member). ResourceType is tested on the parsed record only (IAM types are not in it).
   */
  const records = (b: { first_seq: number; last_seq: number; writer: string }, q: BlockQuery): EventRow[] => {
    const key = q.attribute?.key;
    const column = key && COLUMNS[key];
    const test = column ? ` AND ${column} = ?` : key === 'ResourceName' ? ' AND instr(record, ?) > 0' : '';
    let stmt = blockRecords.get(test);
    if (!stmt) blockRecords.set(test, (stmt = db.prepare(`SELECT * FROM audit_events NOT INDEXED WHERE seq BETWEEN ? AND ? AND account = ? AND region = ? AND writer = ?${test}`)));
    const args = [b.first_seq, b.last_seq, q.account, q.region, b.writer];
    // canonicalJson writes a string as JSON.stringify does when it needs escapes, as is otherwise.
    if (test !== '') args.push(column ? q.attribute!.value : JSON.stringify(q.attribute!.value).slice(1, -1));
    return stmt.all(...args) as EventRow[];
  };
  // One read transaction: a block a writer grows meanwhile moves up the walk's order (its max_time)
  // and would be passed over between two steps of the walk; the snapshot keeps every step on one state.
  const walk = db.transaction((q: BlockQuery): EventRow[] => {
    const { attribute, from = 0, to = Number.MAX_SAFE_INTEGER } = q;
    const hash = attribute && hashBytes(lookupHash(attribute.key, attribute.value));
    const upTo = q.before ? Math.min(to, q.before.time) : to;
    const found: EventRow[] = [];
    // No block ending after upTo + BLOCK_SPAN_MS holds a record of upTo or before: the walk starts below it.
    let cursor = upTo < Number.MAX_SAFE_INTEGER - BLOCK_SPAN_MS ? [upTo + BLOCK_SPAN_MS + 1, 0] : [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    // A few blocks usually fill a page; a rare value walks them all, in growing steps.
    for (let step = 8; ; step = Math.min(step * 4, 512)) {
      const page = (hash ? blocksHolding.all(q.account, q.region, cursor[0], cursor[1], from, upTo, hash, step)
        : allBlocks.all(q.account, q.region, cursor[0], cursor[1], from, upTo, step)) as { max_time: number; first_seq: number; last_seq: number; writer: string }[];
      for (const b of page) {
        if (found.length >= q.limit && b.max_time < found[q.limit - 1]!.event_time) return found;
        for (const r of records(b, q)) {
          if (r.event_time < from || r.event_time > to) continue;
          if (q.before && (r.event_time > q.before.time || (r.event_time === q.before.time && r.seq >= q.before.seq))) continue;
          // The caller's condition first: GetKeyLastUsage's operation names reject most records before their text is parsed.
          if ((q.also?.(r) ?? true) && (!attribute || rowMatches(r, attribute.key, attribute.value))) found.push(r);
        }
        found.sort(newestFirst);
        if (found.length > q.limit) found.length = q.limit;
      }
      if (page.length < step) return found;
      const last = page[page.length - 1]!;
      cursor = [last.max_time, last.first_seq];
    }
  });
  return walk;
}
