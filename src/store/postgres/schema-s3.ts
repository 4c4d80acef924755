/** S3 metadata on PostgreSQL (as src/store/sqlite/schema-s3.ts). Object keys compare as UTF-8 bytes (COLLATE "C"), as S3 orders them. */
export const S3_SCHEMA = `
  CREATE TABLE s3_buckets (
    name TEXT COLLATE "C" PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    policy TEXT,
    tags TEXT
  );
  CREATE INDEX s3_buckets_account ON s3_buckets (account, name);
  CREATE TABLE s3_objects (
    bucket TEXT COLLATE "C" NOT NULL REFERENCES s3_buckets(name),
    key TEXT COLLATE "C" NOT NULL,
    file_id TEXT NOT NULL,
    size BIGINT NOT NULL,
    etag TEXT NOT NULL,
    last_modified BIGINT NOT NULL,
    headers TEXT NOT NULL,
    tags TEXT NOT NULL,
    part_sizes TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
  );
  CREATE TABLE s3_uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT COLLATE "C" NOT NULL REFERENCES s3_buckets(name),
    key TEXT COLLATE "C" NOT NULL,
    initiated BIGINT NOT NULL,
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
    size BIGINT NOT NULL,
    etag TEXT NOT NULL,
    last_modified BIGINT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
  );
`;

/**
 * Migration: server-side encryption (as src/store/sqlite/schema-s3.ts S3_SSE_SCHEMA). The records
 * (S3BucketEncryption, S3ObjectEncryption) are JSON text, binary members base64, as SQLite stores
 * them: TEXT, not JSONB, because JSONB refuses \u0000 (PostgreSQL "JSON Types") and an encryption
 * context value may hold one. NULL: none (bucket default SSE-S3, legacy rows).
 */
export const S3_SSE_SCHEMA = `
  ALTER TABLE s3_buckets ADD COLUMN encryption TEXT;
  ALTER TABLE s3_objects ADD COLUMN encryption TEXT;
  ALTER TABLE s3_uploads ADD COLUMN encryption TEXT;
`;

/** Migration: x-amz-checksum-* of objects, uploads and parts (S3Checksum as JSON text; NULL when none), as SQLite's. */
export const S3_CHECKSUM_SCHEMA = `
  ALTER TABLE s3_objects ADD COLUMN checksum TEXT;
  ALTER TABLE s3_uploads ADD COLUMN checksum TEXT;
  ALTER TABLE s3_parts ADD COLUMN checksum TEXT;
`;
