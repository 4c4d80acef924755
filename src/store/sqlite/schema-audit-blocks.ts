import type Database from 'better-sqlite3';
import type { NewAuditEvent } from '../audit-ports.js';
import { AuditBlocks, BLOCK_RECORDS, BLOCK_SPAN_MS, blockWriter, storedResources } from './audit-blocks.js';
import { toEvent, type EventRow } from '../audit-rows.js';

/**
 * Migration: the LookupEvents index becomes one summary row per block of records (audit-blocks.ts)
 * instead of the time and seven attribute indexes on audit_events and the resource rows of
 * audit_event_lookup. The records already stored are summarized in blocks of BLOCK_RECORDS per
 * account, region and writer, in seq order.
 */
export function migrateAuditBlocks(db: Database.Database): void {
  db.exec(`
    DROP INDEX audit_by_time;
    DROP INDEX audit_by_event_id;
    DROP INDEX audit_by_event_name;
    DROP INDEX audit_by_read_only;
    DROP INDEX audit_by_username;
    DROP INDEX audit_by_event_source;
    DROP INDEX audit_by_access_key;
    DROP TABLE audit_event_lookup;
    CREATE TABLE audit_blocks (
      account TEXT NOT NULL,
      region TEXT NOT NULL,
      max_time INTEGER NOT NULL,
      first_seq INTEGER NOT NULL,
      writer TEXT NOT NULL,
      last_seq INTEGER NOT NULL,
      min_time INTEGER NOT NULL,
      records INTEGER NOT NULL,
      hashes BLOB NOT NULL,
      PRIMARY KEY (account, region, max_time, first_seq)
    ) WITHOUT ROWID;
    CREATE INDEX audit_blocks_by_writer ON audit_blocks (account, region, writer, first_seq);
  `);
  const rows = db.prepare(`SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 4096`);
  const writers = new Map<string, ReturnType<typeof blockWriter>>();
  const open = new Map<string, AuditBlocks>();
  const write = (chain: string, w: string) => {
    let writeBlocks = writers.get(w);
    if (!writeBlocks) writers.set(w, (writeBlocks = blockWriter(db, w)));
    writeBlocks(open.get(chain)!.take());
    open.delete(chain);
  };
  for (let after = 0; ;) {
    const page = rows.all(after) as (EventRow & { writer: string })[];
    if (page.length === 0) break;
    for (const r of page) {
      const chain = `${r.account}\u0000${r.region}\u0000${r.writer}`;
      let blocks = open.get(chain);
      if (!blocks) open.set(chain, (blocks = new AuditBlocks()));
      blocks.add(storedEvent(r), r.seq, r.event_time);
      if (blocks.size === BLOCK_RECORDS) write(chain, r.writer);
    }
    after = page[page.length - 1]!.seq;
  }
  for (const chain of [...open.keys()]) write(chain, chain.split('\u0000')[2]!);
}

/**
 * Migration: a block spans at most BLOCK_SPAN_MS (a lookup bounded in time then skips the blocks
 * ending after its bounds). The blocks written before that span more — those of a quiet trail; a busy
 * one fills its blocks in milliseconds — are summarized again from their records, split where the
 * next record would stretch one further.
 */
export function migrateAuditBlockSpans(db: Database.Database): void {
  const wide = db.prepare(`SELECT account, region, writer, max_time, first_seq, last_seq FROM audit_blocks WHERE max_time - min_time > ?`)
    .all(BLOCK_SPAN_MS) as { account: string; region: string; writer: string; max_time: number; first_seq: number; last_seq: number }[];
  const remove = db.prepare(`DELETE FROM audit_blocks WHERE account = ? AND region = ? AND max_time = ? AND first_seq = ?`);
  const records = db.prepare(`SELECT * FROM audit_events WHERE seq BETWEEN ? AND ? AND account = ? AND region = ? AND writer = ? ORDER BY seq`);
  const writers = new Map<string, ReturnType<typeof blockWriter>>();
  for (const b of wide) {
    remove.run(b.account, b.region, b.max_time, b.first_seq);
    const blocks = new AuditBlocks();
    for (const r of records.all(b.first_seq, b.last_seq, b.account, b.region, b.writer) as EventRow[]) blocks.add(storedEvent(r), r.seq, r.event_time);
    let write = writers.get(b.writer);
    if (!write) writers.set(b.writer, (write = blockWriter(db, b.writer, { join: false })));
    write(blocks.take());
  }
}

/** A stored record with the lookup resources its text names, as the block summaries index it. */
const storedEvent = (r: EventRow): NewAuditEvent => ({ ...toEvent(r), resources: storedResources(r) });
