import type Database from 'better-sqlite3';
import type { NewAuditEvent } from '../audit-ports.js';
import { AuditBlocks, BLOCK_RECORDS, blockWriter, storedResources } from './audit-blocks.js';
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
  summarizeBlocks(db);
}

/**
 * Migration: blocks span at most BLOCK_SPAN_MS (a time-bounded lookup then skips the blocks ending
 * after its bounds); the summaries written before are written again.
 */
export function migrateAuditBlockSpans(db: Database.Database): void {
  db.exec('DELETE FROM audit_blocks');
  summarizeBlocks(db);
}

/** Summarizes the stored records in blocks per account, region and writer, in seq order. */
function summarizeBlocks(db: Database.Database): void {
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

/** A stored record with the lookup resources its text names, as the block summaries index it. */
const storedEvent = (r: EventRow): NewAuditEvent => ({ ...toEvent(r), resources: storedResources(r) });
