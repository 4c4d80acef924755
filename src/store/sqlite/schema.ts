import type Database from 'better-sqlite3';
import { AUDIT_SCHEMA } from './schema-audit.js';
import { AUDIT_INTENTS_SCHEMA } from './schema-audit-intents.js';
import { SQLITE_AUDIT_WRITERS_MIGRATION } from './schema-audit-writers.js';
import { migrateAuditBlockSpans, migrateAuditBlocks } from './schema-audit-blocks.js';
import { GRANTS_SCHEMA } from './schema-grants.js';
import { migrateGrantRules } from './schema-grant-rules.js';
import { IAM_SCHEMA, IAM_TAGS_SCHEMA, STS_ISSUER_ID_SCHEMA } from './schema-iam.js';
import { KEY_LIFECYCLE_SCHEMA } from './schema-key-lifecycle.js';
import { STORE_CHANGES_SCHEMA } from './schema-store-changes.js';
import { S3_SCHEMA, S3_SSE_SCHEMA } from './schema-s3.js';

/** Schema migrations, applied in order; `user_version` records how many ran. A function runs SQL and data steps. */
const MIGRATIONS: Array<string | ((db: Database.Database) => void)> = [
  `
  CREATE TABLE accounts (
    account TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(account),
    principal_type TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    wrapped_secret BLOB NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE kms_keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    arn TEXT NOT NULL,
    creation_date INTEGER NOT NULL,
    description TEXT NOT NULL,
    key_usage TEXT NOT NULL,
    key_spec TEXT NOT NULL,
    origin TEXT NOT NULL,
    key_manager TEXT NOT NULL,
    multi_region INTEGER NOT NULL,
    state TEXT NOT NULL,
    deletion_date INTEGER,
    pending_window_days INTEGER,
    policy TEXT NOT NULL,
    current_material_id TEXT NOT NULL,
    UNIQUE (account, region, key_id)
  );
  CREATE INDEX kms_keys_deletion ON kms_keys (deletion_date) WHERE deletion_date IS NOT NULL;
  CREATE TABLE key_materials (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    material_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    wrapped BLOB NOT NULL,
    PRIMARY KEY (account, region, key_id, material_id)
  );
  CREATE TABLE aliases (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    alias_name TEXT NOT NULL,
    target_key_id TEXT NOT NULL,
    creation_date INTEGER NOT NULL,
    last_updated_date INTEGER NOT NULL,
    PRIMARY KEY (account, region, alias_name)
  );
  CREATE INDEX aliases_target ON aliases (account, region, target_key_id);
  CREATE TABLE key_tags (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (account, region, key_id, tag_key)
  );
  `,
  `ALTER TABLE access_keys ADD COLUMN principal_id TEXT NOT NULL DEFAULT '';`,
  IAM_SCHEMA,
  GRANTS_SCHEMA,
  IAM_TAGS_SCHEMA,
  AUDIT_SCHEMA,
  KEY_LIFECYCLE_SCHEMA,
  STORE_CHANGES_SCHEMA,
  migrateGrantRules,
  // Creating / Updating (ReplicateKey, UpdatePrimaryRegion): when the transient key state ends.
  `ALTER TABLE kms_keys ADD COLUMN transient_until INTEGER;`,
  STS_ISSUER_ID_SCHEMA,
  AUDIT_INTENTS_SCHEMA,
  S3_SCHEMA,
  S3_SSE_SCHEMA,
  // x-amz-checksum-* of objects, parts and uploads (S3Checksum as JSON; NULL when none).
  `ALTER TABLE s3_objects ADD COLUMN checksum TEXT;
   ALTER TABLE s3_uploads ADD COLUMN checksum TEXT;
   ALTER TABLE s3_parts ADD COLUMN checksum TEXT;`,
  // One audit hash chain per (account, region, writer): each `serve --workers` process its own.
  SQLITE_AUDIT_WRITERS_MIGRATION,
  // LookupEvents through one summary per block of records instead of an index entry per record and attribute.
  migrateAuditBlocks,
  // Blocks span at most a minute, so a lookup bounded in time (or by an eventID's time) skips the newer ones.
  migrateAuditBlockSpans,
];

/** Applies the migrations not yet applied, up to `target` (all of them unless a test says otherwise). */
export function migrate(db: Database.Database, target = MIGRATIONS.length): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < target; v++) {
    db.transaction(() => {
      const step = MIGRATIONS[v]!;
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
