/**
 * Migration: the change counter becomes one every node can watch without queueing writers on one
 * row. The trigger function of every cached-state table (migrations.ts) now bumps one of SLOTS
 * counters, chosen by backend pid, and sends NOTIFY, both in the writing transaction — so the bump
 * and the notification become visible exactly when the write commits (PostgreSQL "NOTIFY":
 * notifications are delivered only if and when the transaction commits). `store_changes` stays
 * readable as before, as a view over the sum, which only grows: "sum unchanged" means "nothing
 * committed". Nodes LISTEN and read the sum (notifications.ts).
 */
export const CHANGE_CHANNEL = 'locksmith_store_changes';
export const SLOTS = 64;

/** Changes committed by every node so far (decimal text: bigint). */
export const CHANGE_COUNT_SQL = 'SELECT sum(n)::text AS n FROM store_change_slots';

export const STORE_CHANGE_SLOTS_MIGRATION = `
  CREATE TABLE store_change_slots (slot INTEGER PRIMARY KEY, n BIGINT NOT NULL);
  INSERT INTO store_change_slots (slot, n) SELECT s, 0 FROM generate_series(0, ${SLOTS - 1}) s;
  UPDATE store_change_slots SET n = (SELECT n FROM store_changes WHERE id = 0) WHERE slot = 0;
  CREATE OR REPLACE FUNCTION locksmith_store_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE store_change_slots SET n = n + 1 WHERE slot = pg_backend_pid() % ${SLOTS};
      PERFORM pg_notify('${CHANGE_CHANNEL}', '');
      RETURN NULL;
    END $$;
  DROP TABLE store_changes;
  CREATE VIEW store_changes AS SELECT 0 AS id, COALESCE(sum(n), 0)::BIGINT AS n FROM store_change_slots;
`;
