/** S3 metadata tables, with the change-counter triggers every cached-state table has (schema-store-changes.ts). */
const triggers = (table: string) =>
  (['INSERT', 'UPDATE', 'DELETE'] as const)
    .map((event) => `CREATE TRIGGER ${table}_changes_${event.toLowerCase()} AFTER ${event} ON ${table} BEGIN UPDATE store_changes SET n = n + 1; END;`)
    .join('\n');

export const S3_TABLES = ['s3_buckets', 's3_objects', 's3_uploads', 's3_parts'] as const;

export const S3_SCHEMA = `
  CREATE TABLE s3_buckets (
    name TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    policy TEXT,
    tags TEXT
  );
  CREATE INDEX s3_buckets_account ON s3_buckets (account, name);
  CREATE TABLE s3_objects (
    bucket TEXT NOT NULL REFERENCES s3_buckets(name),
    key TEXT NOT NULL,
    file_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified INTEGER NOT NULL,
    headers TEXT NOT NULL,
    tags TEXT NOT NULL,
    part_sizes TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
  );
  CREATE TABLE s3_uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL REFERENCES s3_buckets(name),
    key TEXT NOT NULL,
    initiated INTEGER NOT NULL,
    account TEXT NOT NULL,
    initiator_arn TEXT NOT NULL,
    headers TEXT NOT NULL,
    tags TEXT NOT NULL
  );
  CREATE INDEX s3_uploads_bucket ON s3_uploads (bucket, key, initiated);
  CREATE TABLE s3_parts (
    upload_id TEXT NOT NULL REFERENCES s3_uploads(upload_id),
    part_number INTEGER NOT NULL,
    file_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified INTEGER NOT NULL,
    PRIMARY KEY (upload_id, part_number)
  );
  ${S3_TABLES.map(triggers).join('\n')}
`;

/** Server-side encryption: the bucket's default encryption and each object's / upload's encryption record (JSON). */
export const S3_SSE_SCHEMA = `
  ALTER TABLE s3_buckets ADD COLUMN encryption TEXT;
  ALTER TABLE s3_objects ADD COLUMN encryption TEXT;
  ALTER TABLE s3_uploads ADD COLUMN encryption TEXT;
`;
