import type pg from 'pg';

/**
 * The change counter every node checks (notifications.ts). A statement trigger on every table of
 * cached state bumps one of SLOTS counters and sends NOTIFY, both in the writing transaction, so
 * the bump and the notification become visible exactly when the write commits. The counter is
 * spread over slots (chosen by backend pid) so that concurrent writers do not queue on one row
 * lock until commit; the sum over slots only grows, so "sum unchanged" means "nothing committed".
 * Audit tables are left out: they change with every request and nothing cached derives from them.
 */
export const CHANGE_CHANNEL = 'locksmith_store_changes';
export const SLOTS = 64;
const TRIGGER = 'locksmith_store_changed';

export const STORE_CHANGE_SLOTS_SQL = `
  CREATE TABLE IF NOT EXISTS store_change_slots (slot integer PRIMARY KEY, n bigint NOT NULL);
  INSERT INTO store_change_slots (slot, n) SELECT s, 0 FROM generate_series(0, ${SLOTS - 1}) s ON CONFLICT DO NOTHING;
  CREATE OR REPLACE FUNCTION ${TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE store_change_slots SET n = n + 1 WHERE slot = pg_backend_pid() % ${SLOTS};
    PERFORM pg_notify('${CHANGE_CHANNEL}', '');
    RETURN NULL;
  END $$;
`;

/** The counter: changes committed by every node so far (a decimal string: bigint). */
export const CHANGE_COUNT_SQL = 'SELECT sum(n)::text AS n FROM store_change_slots';

/** Tables that are not cached state: the audit trail, the counter itself, migration bookkeeping, object bytes. */
export const NOT_CACHED_STATE = /^(audit_|store_change_slots$|.*migrations?$|.*_chunks$|locksmith_leader)/;

/** Advisory lock key under which triggers are added (several nodes starting at once add them once). */
const TRIGGER_LOCK = 0x4c4b_5354; // 'LKST'

/**
 * Creates the counter and attaches the trigger to every table of the current schema that holds
 * cached state and lacks it; run at start after the migrations (idempotent; a table added by a
 * later migration is covered at the next start). Returns the tables it attached the trigger to.
 */
export async function ensureStoreChangeTriggers(client: pg.ClientBase, exclude: RegExp = NOT_CACHED_STATE): Promise<string[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [TRIGGER_LOCK]);
    await client.query(STORE_CHANGE_SLOTS_SQL);
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = $1)
        ORDER BY 1`,
      [TRIGGER],
    );
    const tables = rows.map((r) => r.name).filter((t) => !exclude.test(t));
    for (const t of tables) {
      await client.query(`CREATE TRIGGER ${TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${t.replaceAll('"', '""')}"
        FOR EACH STATEMENT EXECUTE FUNCTION ${TRIGGER}()`);
    }
    await client.query('COMMIT');
    return tables;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
