/**
 * The audit trail. audit_events holds the CloudTrail records (the record text is what the hash
 * chain covers; the other columns are lookup indexes, checked against it by `audit verify`).
 * Every LookupEvents attribute has an index led by (account, region, attribute value, event_time),
 * so a filtered, time-bounded, newest-first page is an index range scan however many events exist.
 * ResourceType and ResourceName live in audit_event_lookup, one row per (event, kind, value).
 * audit_chains holds each chain's head (last sequence number and hash).
 */
export const AUDIT_SCHEMA = `
  CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
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
    UNIQUE (account, region, chain_seq)
  );
  CREATE INDEX audit_by_time ON audit_events (account, region, event_time);
  CREATE INDEX audit_by_event_id ON audit_events (account, region, event_id, event_time);
  CREATE INDEX audit_by_event_name ON audit_events (account, region, event_name, event_time);
  CREATE INDEX audit_by_read_only ON audit_events (account, region, read_only, event_time);
  CREATE INDEX audit_by_username ON audit_events (account, region, username, event_time);
  CREATE INDEX audit_by_event_source ON audit_events (account, region, event_source, event_time);
  CREATE INDEX audit_by_access_key ON audit_events (account, region, access_key_id, event_time);
  CREATE TABLE audit_event_lookup (
    event_seq INTEGER NOT NULL,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    event_time INTEGER NOT NULL,
    PRIMARY KEY (account, region, kind, value, event_time, event_seq)
  ) WITHOUT ROWID;
  CREATE INDEX audit_lookup_by_event ON audit_event_lookup (event_seq);
  CREATE TABLE audit_chains (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    chain_seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (account, region)
  );
  CREATE TABLE audit_digests (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    digest_seq INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (account, region, digest_seq)
  );
  CREATE TABLE audit_digest_keys (
    region TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    public_key BLOB NOT NULL,
    wrapped_private_key BLOB NOT NULL,
    created_at INTEGER NOT NULL
  );
`;
