import type { PgDatabase } from './pool.js';
import { AUDIT_SCHEMA } from './schema-audit.js';
import { IAM_SCHEMA } from './schema-iam.js';
import { KMS_SCHEMA } from './schema-kms.js';
import { S3_CHECKSUM_SCHEMA, S3_SCHEMA, S3_SSE_SCHEMA } from './schema-s3.js';
import { storeChangesNotifyMigration } from './schema-store-changes-notify.js';
import { AUDIT_WRITERS_MIGRATION } from './schema-audit-writers.js';

/**
 * Tables whose committed changes move the change counter (as src/store/sqlite/schema-store-changes.ts):
 * every table of state that requests read and nodes cache. Audit tables are left out.
 */
export const CACHED_STATE_TABLES = [
  'accounts', 'access_keys', 'kms_keys', 'key_materials', 'aliases', 'key_tags',
  'iam_users', 'iam_roles', 'iam_inline_policies', 'iam_managed_policies', 'iam_policy_versions', 'iam_attachments', 'iam_tags',
  'sts_sessions', 'kms_grants', 'kms_grant_tokens', 'kms_grant_rules',
] as const;

/**
 * S3 metadata. Migration 1 gave these tables change triggers too, but no node caches anything read
 * from them (the S3 store is read per request, not through the read cache; SQLite never had these
 * triggers), and their writes — every PutObject, UploadPart, DeleteObject — emptied every node's
 * caches. Migration 7 drops those triggers.
 */
const S3_METADATA_TABLES = ['s3_buckets', 's3_objects', 's3_uploads', 's3_parts'] as const;

const STORE_CHANGES_SCHEMA = `
  CREATE TABLE store_changes (id INTEGER PRIMARY KEY CHECK (id = 0), n BIGINT NOT NULL);
  INSERT INTO store_changes (id, n) VALUES (0, 0);
  CREATE FUNCTION locksmith_store_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE store_changes SET n = n + 1 WHERE id = 0; RETURN NULL; END $$;
  ${[...CACHED_STATE_TABLES, ...S3_METADATA_TABLES].map((t) => `CREATE TRIGGER ${t}_changes AFTER INSERT OR UPDATE OR DELETE ON ${t}
    FOR EACH STATEMENT EXECUTE FUNCTION locksmith_store_changed();`).join('\n  ')}
`;

/** Rows of the change counter: each connection bumps its own (by backend pid), the count is their sum. */
export const STORE_CHANGE_SHARDS = 64;

/**
 * Migration 2: the change counter spread over STORE_CHANGE_SHARDS rows. One row would serialize
 * every writing transaction of every node on its row lock from the first write to the commit;
 * with a row per connection (modulo the shards) writers rarely meet. The sum still moves with
 * every committed write and never with an uncommitted one.
 */
const STORE_CHANGES_SHARDS = `
  ALTER TABLE store_changes DROP CONSTRAINT store_changes_id_check;
  ALTER TABLE store_changes ADD CONSTRAINT store_changes_id_check CHECK (id >= 0 AND id < ${STORE_CHANGE_SHARDS});
  INSERT INTO store_changes (id, n) SELECT g, 0 FROM generate_series(1, ${STORE_CHANGE_SHARDS - 1}) g;
  CREATE OR REPLACE FUNCTION locksmith_store_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE store_changes SET n = n + 1 WHERE id = pg_backend_pid() % ${STORE_CHANGE_SHARDS}; RETURN NULL; END $$;
`;

/** Migration 7: S3 writes leave the nodes' caches alone (S3_METADATA_TABLES). */
const S3_WRITES_KEEP_CACHES = S3_METADATA_TABLES.map((t) => `DROP TRIGGER IF EXISTS ${t}_changes ON ${t};`).join('\n');

/**
 * Versioned migrations, applied in order; `locksmith_migrations` records each one applied. Append
 * new steps at the end, never edit an applied one.
 */
export const MIGRATIONS: readonly string[] = [
  KMS_SCHEMA + IAM_SCHEMA + AUDIT_SCHEMA + S3_SCHEMA + STORE_CHANGES_SCHEMA,
  STORE_CHANGES_SHARDS,
  storeChangesNotifyMigration(STORE_CHANGE_SHARDS),
  AUDIT_WRITERS_MIGRATION,
  S3_SSE_SCHEMA,
  S3_CHECKSUM_SCHEMA,
  S3_WRITES_KEEP_CACHES,
];

/** Advisory-lock key of the migration step: the same on every node (any fixed 64-bit number). */
const MIGRATION_LOCK = 0x4c6f636b736d6974n; // "Locksmit"

/**
 * Applies the migrations not yet applied, each in its own transaction, under a session-level
 * advisory lock: when several nodes start at once, one migrates and the others wait, then find
 * nothing left to do.
 */
export async function migrate(db: PgDatabase, target = MIGRATIONS.length): Promise<number> {
  const client = await db.pool.connect();
  let applied = 0;
  try {
    // Waiting for another node's migration, and a migration itself (an index over millions of
    // rows), may take longer than the pool's statement timeout allows a request.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS locksmith_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`);
      const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM locksmith_migrations');
      const current = rows[0]?.v ?? 0;
      if (current > MIGRATIONS.length) throw new Error(`the database schema (version ${current}) is newer than this Locksmith (${MIGRATIONS.length}): upgrade this node`);
      for (let v = current; v < target; v++) {
        await client.query('BEGIN');
        try {
          await client.query(MIGRATIONS[v]!);
          await client.query('INSERT INTO locksmith_migrations (version, applied_at) VALUES ($1, $2)', [v + 1, Date.now()]);
          await client.query('COMMIT');
          applied++;
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
      await client.query('RESET statement_timeout');
    }
  } finally {
    client.release();
  }
  return applied;
}
