/**
 * Migration: one hash chain per (account, region, writer). Every node appends to its own chains
 * (pg-audit-chains.ts), so nodes never queue on one chain head; the records of all writers stay in
 * one table, so LookupEvents reads one index range across them, newest first. Rows written before
 * (and by the single-writer adapter) belong to writer ''.
 */
export const AUDIT_WRITERS_MIGRATION = `
  ALTER TABLE audit_events ADD COLUMN writer TEXT NOT NULL DEFAULT '';
  ALTER TABLE audit_events DROP CONSTRAINT audit_events_account_region_chain_seq_key;
  ALTER TABLE audit_events ADD CONSTRAINT audit_events_chain UNIQUE (account, region, writer, chain_seq);
  ALTER TABLE audit_chains ADD COLUMN writer TEXT NOT NULL DEFAULT '';
  ALTER TABLE audit_chains DROP CONSTRAINT audit_chains_pkey;
  ALTER TABLE audit_chains ADD PRIMARY KEY (account, region, writer);
  ALTER TABLE audit_digests ADD COLUMN writer TEXT NOT NULL DEFAULT '';
  ALTER TABLE audit_digests DROP CONSTRAINT audit_digests_pkey;
  ALTER TABLE audit_digests ADD PRIMARY KEY (account, region, writer, digest_seq);
`;
