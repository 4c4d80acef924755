/**
 * The audit trail on PostgreSQL (as src/store/sqlite/schema-audit.ts): records with their lookup
 * indexes, chain heads, signed digests, digest keys, and the intents of calls in flight.
 */
export const AUDIT_SCHEMA = `
  CREATE TABLE audit_events (
    seq BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    chain_seq BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    event_time BIGINT NOT NULL,
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
  CREATE INDEX audit_by_time ON audit_events (account, region, event_time, seq);
  CREATE INDEX audit_by_event_id ON audit_events (account, region, event_id, event_time, seq);
  CREATE INDEX audit_by_event_name ON audit_events (account, region, event_name, event_time, seq);
  CREATE INDEX audit_by_read_only ON audit_events (account, region, read_only, event_time, seq);
  CREATE INDEX audit_by_username ON audit_events (account, region, username, event_time, seq);
  CREATE INDEX audit_by_event_source ON audit_events (account, region, event_source, event_time, seq);
  CREATE INDEX audit_by_access_key ON audit_events (account, region, access_key_id, event_time, seq);
  CREATE TABLE audit_event_lookup (
    event_seq BIGINT NOT NULL,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    event_time BIGINT NOT NULL,
    PRIMARY KEY (account, region, kind, value, event_time, event_seq)
  );
  CREATE INDEX audit_lookup_by_event ON audit_event_lookup (event_seq);
  CREATE TABLE audit_chains (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    chain_seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (account, region)
  );
  CREATE TABLE audit_digests (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    digest_seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (account, region, digest_seq)
  );
  CREATE TABLE audit_digest_keys (
    region TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    public_key BYTEA NOT NULL,
    wrapped_private_key BYTEA NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE audit_intents (
    request_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    event_time BIGINT NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX audit_intents_by_time ON audit_intents (event_time, request_id);
`;
