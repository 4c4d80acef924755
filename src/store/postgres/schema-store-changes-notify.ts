/**
 * Migration: every write of cached state also sends NOTIFY. The trigger of every cached-state
 * table (migrations.ts) bumps its connection's row of the sharded change counter and now notifies
 * in the same statement, so the bump and the notification become visible exactly when the write
 * commits (PostgreSQL "NOTIFY": notifications are delivered only if and when the transaction
 * commits). Nodes LISTEN on CHANGE_CHANNEL and read the sum (notifications.ts).
 */
export const CHANGE_CHANNEL = 'locksmith_store_changes';

/** Changes committed by every node so far (decimal text: the sum of BIGINTs), which only grows. */
export const CHANGE_COUNT_SQL = 'SELECT sum(n)::text AS n FROM store_changes';

/** The migration's SQL for a counter of `shards` rows (STORE_CHANGE_SHARDS, migrations.ts). */
export const storeChangesNotifyMigration = (shards: number) => `
  CREATE OR REPLACE FUNCTION locksmith_store_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE store_changes SET n = n + 1 WHERE id = pg_backend_pid() % ${shards};
      PERFORM pg_notify('${CHANGE_CHANNEL}', '');
      RETURN NULL;
    END $$;
`;
