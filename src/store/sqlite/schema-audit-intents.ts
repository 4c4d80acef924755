/**
 * Audit intents (src/server/audit-first.ts): the record of a call that may change state, written
 * and committed before the call runs, and deleted in the transaction that appends the call's own
 * record. A row left over belongs to a call whose record could not be written after it ran.
 */
export const AUDIT_INTENTS_SCHEMA = `
  CREATE TABLE audit_intents (
    request_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    event_time INTEGER NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX audit_intents_by_time ON audit_intents (event_time);
`;
