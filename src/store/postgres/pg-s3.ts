import { S3ParentGoneError, utf8Compare, type S3Object, type S3Store } from '../s3-ports.js';
import type { PgDatabase, PgQueries } from './pool.js';
import { bucketOf, jsonText, objectOf, partOf, uploadOf, type BucketRow, type ObjectRow, type PartRow, type UploadRow } from '../s3-rows.js';

/** A foreign-key failure (SQLSTATE 23503) means the bucket or upload was removed concurrently. */
async function parentGone<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if ((e as { code?: string }).code === '23503') throw new S3ParentGoneError();
    throw e;
  }
}

/**
 * Writers of one name (object key, upload part) take turns on a transaction-scoped advisory lock:
 * a row lock cannot cover a name with no row yet, and two PUTs of a new key would each miss the
 * file the other one's row replaced (leaving it on disk forever).
 */
const lockName = (tx: PgQueries, ...parts: Array<string | number>) =>
  tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify(parts)]);

/** Upserts the object row; returns the file id it replaced. */
async function putObjectOn(tx: PgQueries, o: S3Object): Promise<string | undefined> {
  await lockName(tx, 's3-object', o.bucket, o.key);
  const old = await tx.one<{ file_id: string }>('SELECT file_id FROM s3_objects WHERE bucket = $1 AND key = $2 FOR UPDATE', [o.bucket, o.key]);
  await tx.run(`INSERT INTO s3_objects (bucket, key, file_id, size, etag, last_modified, headers, tags, part_sizes, encryption, checksum) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (bucket, key) DO UPDATE SET file_id = excluded.file_id, size = excluded.size, etag = excluded.etag,
    last_modified = excluded.last_modified, headers = excluded.headers, tags = excluded.tags, part_sizes = excluded.part_sizes,
    encryption = excluded.encryption, checksum = excluded.checksum`,
  [o.bucket, o.key, o.fileId, o.size, o.etag, o.lastModified.getTime(), JSON.stringify(o.headers), JSON.stringify(o.tags), JSON.stringify(o.partSizes), jsonText(o.encryption), jsonText(o.checksum)]);
  return old && old.file_id !== o.fileId ? old.file_id : undefined;
}

async function deleteUploadOn(tx: PgQueries, uploadId: string): Promise<string[]> {
  const files = (await tx.rows<{ file_id: string }>('DELETE FROM s3_parts WHERE upload_id = $1 RETURNING file_id, part_number', [uploadId]));
  await tx.run('DELETE FROM s3_uploads WHERE upload_id = $1', [uploadId]);
  return files.map((p) => p.file_id);
}

/** S3 metadata on PostgreSQL, on the node's pool (the object bytes are behind ObjectFiles). */
export function pgS3Store(db: PgDatabase, close: () => Promise<void> = async () => {}): S3Store {
  return {
    async createBucket(b) {
      const n = await db.run('INSERT INTO s3_buckets (name, account, region, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING',
        [b.name, b.account, b.region, b.createdAt.getTime()]);
      return n === 1 ? 'created' : 'exists';
    },
    async getBucket(name) {
      const r = await db.one<BucketRow>('SELECT * FROM s3_buckets WHERE name = $1', [name]);
      return r && bucketOf(r);
    },
    async listBuckets(account) {
      return (await db.rows<BucketRow>('SELECT * FROM s3_buckets WHERE account = $1 ORDER BY name', [account])).map(bucketOf);
    },
    async deleteBucket(name) {
      return db.transaction(async (tx): Promise<'deleted' | 'notEmpty' | 'missing'> => {
        // Locking the bucket row (FOR UPDATE) waits for object and upload inserts into it (their FK takes a share lock on it).
        if (!(await tx.one('SELECT 1 FROM s3_buckets WHERE name = $1 FOR UPDATE', [name]))) return 'missing';
        const used = await tx.one<{ used: boolean }>(`SELECT EXISTS (SELECT 1 FROM s3_objects WHERE bucket = $1)
          OR EXISTS (SELECT 1 FROM s3_uploads WHERE bucket = $1) AS used`, [name]);
        if (used!.used) return 'notEmpty';
        await tx.run('DELETE FROM s3_buckets WHERE name = $1', [name]);
        return 'deleted';
      });
    },
    async setBucketPolicy(name, policy) {
      await db.run('UPDATE s3_buckets SET policy = $1 WHERE name = $2', [policy ?? null, name]);
    },
    async setBucketTags(name, tags) {
      await db.run('UPDATE s3_buckets SET tags = $1 WHERE name = $2', [tags === undefined ? null : JSON.stringify(tags), name]);
    },
    async setBucketEncryption(name, encryption) {
      await db.run('UPDATE s3_buckets SET encryption = $1 WHERE name = $2', [jsonText(encryption), name]);
    },
    async getObject(bucket, key) {
      const r = await db.one<ObjectRow>('SELECT * FROM s3_objects WHERE bucket = $1 AND key = $2', [bucket, key]);
      return r && objectOf(r);
    },
    putObject: (o) => parentGone(() => db.transaction((tx) => putObjectOn(tx, o))),
    async deleteObject(bucket, key) {
      return (await db.one<{ file_id: string }>('DELETE FROM s3_objects WHERE bucket = $1 AND key = $2 RETURNING file_id', [bucket, key]))?.file_id;
    },
    async setObjectTags(bucket, key, tags) {
      return (await db.run('UPDATE s3_objects SET tags = $1 WHERE bucket = $2 AND key = $3', [JSON.stringify(tags), bucket, key])) === 1;
    },
    async listObjects(bucket, prefix, after, limit) {
      // Keys compare as UTF-8 bytes (COLLATE "C"), as S3 orders them; the prefix bounds the range scan.
      const from = utf8Compare(after, prefix) >= 0 ? after : undefined;
      const rows = await db.rows<ObjectRow>(`SELECT * FROM s3_objects WHERE bucket = $1 AND ${from === undefined ? 'key >= $2' : 'key > $2'}
        AND starts_with(key, $3) ORDER BY key LIMIT $4`, [bucket, from ?? prefix, prefix, limit]);
      return rows.map(objectOf);
    },
    async createUpload(u) {
      await parentGone(() => db.run('INSERT INTO s3_uploads (upload_id, bucket, key, initiated, account, initiator_arn, headers, tags, encryption, checksum) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        [u.uploadId, u.bucket, u.key, u.initiated.getTime(), u.account, u.initiatorArn, JSON.stringify(u.headers), JSON.stringify(u.tags), jsonText(u.encryption), jsonText(u.checksum)]));
    },
    async getUpload(uploadId) {
      const r = await db.one<UploadRow>('SELECT * FROM s3_uploads WHERE upload_id = $1', [uploadId]);
      return r && uploadOf(r);
    },
    async listUploads(bucket, prefix = '', keyMarker = '', limit = 10_000) {
      return (await db.rows<UploadRow>('SELECT * FROM s3_uploads WHERE bucket = $1 AND key > $2 AND starts_with(key, $3) ORDER BY key, initiated LIMIT $4',
        [bucket, keyMarker, prefix, limit])).map(uploadOf);
    },
    putPart: (p) =>
      parentGone(() => db.transaction(async (tx) => {
        await lockName(tx, 's3-part', p.uploadId, p.partNumber);
        const old = await tx.one<{ file_id: string }>('SELECT file_id FROM s3_parts WHERE upload_id = $1 AND part_number = $2 FOR UPDATE', [p.uploadId, p.partNumber]);
        await tx.run(`INSERT INTO s3_parts (upload_id, part_number, file_id, size, etag, last_modified, checksum) VALUES ($1, $2, $3, $4, $5, $6, $7)
          ON CONFLICT (upload_id, part_number) DO UPDATE SET file_id = excluded.file_id, size = excluded.size, etag = excluded.etag, last_modified = excluded.last_modified,
          checksum = excluded.checksum`,
        [p.uploadId, p.partNumber, p.fileId, p.size, p.etag, p.lastModified.getTime(), jsonText(p.checksum)]);
        return old !== undefined && old.file_id !== p.fileId ? old.file_id : undefined;
      })),
    async listParts(uploadId) {
      return (await db.rows<PartRow>('SELECT * FROM s3_parts WHERE upload_id = $1 ORDER BY part_number', [uploadId])).map(partOf);
    },
    deleteUpload: (uploadId) => db.transaction((tx) => deleteUploadOn(tx, uploadId)),
    completeUpload: (uploadId, o) =>
      parentGone(() => db.transaction(async (tx) => {
        if (!(await tx.one('SELECT 1 FROM s3_uploads WHERE upload_id = $1 FOR UPDATE', [uploadId]))) throw new S3ParentGoneError();
        const files = await deleteUploadOn(tx, uploadId);
        const replaced = await putObjectOn(tx, o);
        return replaced ? [...files, replaced] : files;
      })),
    async referencedFiles() {
      return new Set((await db.rows<{ file_id: string }>('SELECT file_id FROM s3_objects UNION ALL SELECT file_id FROM s3_parts')).map((r) => r.file_id));
    },
    close,
  };
}
