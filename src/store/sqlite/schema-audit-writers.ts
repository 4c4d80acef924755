/**
 * Migration: one hash chain per (account, region, writer), as on PostgreSQL
 * (postgres/schema-audit-writers.ts). With `serve --workers N` every worker process appends to its
 * own chains from its own writer thread, so no record crosses processes and no worker waits for
 * another's chain head (only for SQLite's write lock, one short transaction per group commit). All
 * writers' records stay in one table: LookupEvents reads one index range across them, newest
 * first (seq is unique across processes). Rows written before belong to writer ''.
 * SQLite cannot change a table's UNIQUE constraint or primary key, so the three tables are rebuilt.
 */
export const SQLITE_AUDIT_WRITERS_MIGRATION = `
  CREATE TABLE audit_events_w (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    writer TEXT NOT NULL DEFAULT '',
    chain_seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    event_time INTEGER NOT NULL,
    event_name TEXT NOT NULL,
    event_source TEXT NOT NULL,
    read_only TEXT NOT NULL,
    username TEXT,
    access_key_id TEXT,
    record TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (account, region, writer, chain_seq)
  );
  INSERT INTO audit_events_w (seq, account, region, writer, chain_seq, event_id, event_time, event_name, event_source, read_only, username,
      access_key_id, record, prev_hash, hash)
    SELECT seq, account, region, '', chain_seq, event_id, event_time, event_name, event_source, read_only, username, access_key_id, record,
      prev_hash, hash FROM audit_events ORDER BY seq;
  DROP TABLE audit_events;
  ALTER TABLE audit_events_w RENAME TO audit_events;
  CREATE INDEX audit_by_time ON audit_events (account, region, event_time);
  CREATE INDEX audit_by_event_id ON audit_events (account, region, event_id, event_time);
  CREATE INDEX audit_by_event_name ON audit_events (account, region, event_name, event_time);
  CREATE INDEX audit_by_read_only ON audit_events (account, region, read_only, event_time);
  CREATE INDEX audit_by_username ON audit_events (account, region, username, event_time);
  CREATE INDEX audit_by_event_source ON audit_events (account, region, event_source, event_time);
  CREATE INDEX audit_by_access_key ON audit_events (account, region, access_key_id, event_time);

  CREATE TABLE audit_chains_w (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    writer TEXT NOT NULL DEFAULT '',
    chain_seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (account, region, writer)
  );
  INSERT INTO audit_chains_w (account, region, writer, chain_seq, hash) SELECT account, region, '', chain_seq, hash FROM audit_chains;
  DROP TABLE audit_chains;
  ALTER TABLE audit_chains_w RENAME TO audit_chains;

  CREATE TABLE audit_digests_w (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    writer TEXT NOT NULL DEFAULT '',
    digest_seq INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (account, region, writer, digest_seq)
  );
  INSERT INTO audit_digests_w (account, region, writer, digest_seq, created_at, body, signature)
    SELECT account, region, '', digest_seq, created_at, body, signature FROM audit_digests;
  DROP TABLE audit_digests;
  ALTER TABLE audit_digests_w RENAME TO audit_digests;
`;
