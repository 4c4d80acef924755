import type Database from 'better-sqlite3';
import { S3ParentGoneError, utf8Compare, type S3Object, type S3Store } from '../s3-ports.js';
import { openDatabase, type DatabaseOptions } from './sqlite-store.js';
import { migrate } from './schema.js';
import { bucketOf, jsonText, objectOf, partOf, uploadOf, type BucketRow, type ObjectRow, type PartRow, type UploadRow } from '../s3-rows.js';

/** A foreign-key failure means the bucket or upload was removed concurrently. */
function parentGone<T>(write: () => T): T {
  try {
    return write();
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new S3ParentGoneError();
    throw e;
  }
}

/** The S3 store on its own connection to the store's SQLite file (or an in-memory one for tests). */
export function openSqliteS3Store(path: string, options: DatabaseOptions = {}): S3Store {
  const db = openDatabase(path, options);
  migrate(db);
  return sqliteS3Store(db, () => db.close());
}

export function sqliteS3Store(db: Database.Database, close: () => void = () => {}): S3Store {
  const q = {
    insertBucket: db.prepare('INSERT INTO s3_buckets (name, account, region, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING'),
    getBucket: db.prepare('SELECT * FROM s3_buckets WHERE name = ?'),
    listBuckets: db.prepare('SELECT * FROM s3_buckets WHERE account = ? ORDER BY name'),
    bucketUsed: db.prepare('SELECT EXISTS (SELECT 1 FROM s3_objects WHERE bucket = ?) OR EXISTS (SELECT 1 FROM s3_uploads WHERE bucket = ?) AS used').pluck(),
    deleteBucket: db.prepare('DELETE FROM s3_buckets WHERE name = ?'),
    setPolicy: db.prepare('UPDATE s3_buckets SET policy = ? WHERE name = ?'),
    setTags: db.prepare('UPDATE s3_buckets SET tags = ? WHERE name = ?'),
    setEncryption: db.prepare('UPDATE s3_buckets SET encryption = ? WHERE name = ?'),
    getObject: db.prepare('SELECT * FROM s3_objects WHERE bucket = ? AND key = ?'),
    upsertObject: db.prepare(
      `INSERT INTO s3_objects (bucket, key, file_id, size, etag, last_modified, headers, tags, part_sizes, encryption, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (bucket, key) DO UPDATE SET file_id = excluded.file_id, size = excluded.size, etag = excluded.etag,
       last_modified = excluded.last_modified, headers = excluded.headers, tags = excluded.tags, part_sizes = excluded.part_sizes, encryption = excluded.encryption, checksum = excluded.checksum`,
    ),
    deleteObject: db.prepare('DELETE FROM s3_objects WHERE bucket = ? AND key = ?'),
    setObjectTags: db.prepare('UPDATE s3_objects SET tags = ? WHERE bucket = ? AND key = ?'),
    listFrom: db.prepare('SELECT * FROM s3_objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?'),
    listObjects: db.prepare('SELECT * FROM s3_objects WHERE bucket = ? AND key > ? ORDER BY key LIMIT ?'),
    insertUpload: db.prepare('INSERT INTO s3_uploads (upload_id, bucket, key, initiated, account, initiator_arn, headers, tags, encryption, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    getUpload: db.prepare('SELECT * FROM s3_uploads WHERE upload_id = ?'),
    listUploads: db.prepare('SELECT * FROM s3_uploads WHERE bucket = ? AND key > ? AND substr(key, 1, length(?)) = ? ORDER BY key, initiated LIMIT ?'),
    getPart: db.prepare('SELECT file_id FROM s3_parts WHERE upload_id = ? AND part_number = ?').pluck(),
    upsertPart: db.prepare(
      `INSERT INTO s3_parts (upload_id, part_number, file_id, size, etag, last_modified, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (upload_id, part_number) DO UPDATE SET file_id = excluded.file_id, size = excluded.size, etag = excluded.etag,
       last_modified = excluded.last_modified, checksum = excluded.checksum`,
    ),
    listParts: db.prepare('SELECT * FROM s3_parts WHERE upload_id = ? ORDER BY part_number'),
    deleteParts: db.prepare('DELETE FROM s3_parts WHERE upload_id = ?'),
    deleteUpload: db.prepare('DELETE FROM s3_uploads WHERE upload_id = ?'),
    files: db.prepare('SELECT file_id FROM s3_objects UNION ALL SELECT file_id FROM s3_parts').pluck(),
  };
  const putObject = (o: S3Object): string | undefined => {
    const old = q.getObject.get(o.bucket, o.key) as ObjectRow | undefined;
    q.upsertObject.run(o.bucket, o.key, o.fileId, o.size, o.etag, o.lastModified.getTime(), JSON.stringify(o.headers), JSON.stringify(o.tags), JSON.stringify(o.partSizes), jsonText(o.encryption), jsonText(o.checksum));
    return old && old.file_id !== o.fileId ? old.file_id : undefined;
  };
  const deleteUpload = (uploadId: string): string[] => {
    const files = (q.listParts.all(uploadId) as PartRow[]).map((p) => p.file_id);
    q.deleteParts.run(uploadId);
    q.deleteUpload.run(uploadId);
    return files;
  };
  return {
    async createBucket(b) {
      return q.insertBucket.run(b.name, b.account, b.region, b.createdAt.getTime()).changes === 1 ? 'created' : 'exists';
    },
    async getBucket(name) {
      const r = q.getBucket.get(name) as BucketRow | undefined;
      return r && bucketOf(r);
    },
    async listBuckets(account) {
      return (q.listBuckets.all(account) as BucketRow[]).map(bucketOf);
    },
    async deleteBucket(name) {
      return db.transaction((): 'deleted' | 'notEmpty' | 'missing' => {
        if (!q.getBucket.get(name)) return 'missing';
        if (q.bucketUsed.get(name, name)) return 'notEmpty';
        q.deleteBucket.run(name);
        return 'deleted';
      }).immediate();
    },
    async setBucketPolicy(name, policy) {
      q.setPolicy.run(policy ?? null, name);
    },
    async setBucketTags(name, tags) {
      q.setTags.run(tags === undefined ? null : JSON.stringify(tags), name);
    },
    async setBucketEncryption(name, encryption) {
      q.setEncryption.run(encryption === undefined ? null : JSON.stringify(encryption), name);
    },
    async getObject(bucket, key) {
      const r = q.getObject.get(bucket, key) as ObjectRow | undefined;
      return r && objectOf(r);
    },
    async putObject(o) {
      return parentGone(() => db.transaction(() => putObject(o)).immediate());
    },
    async deleteObject(bucket, key) {
      return db.transaction(() => {
        const old = q.getObject.get(bucket, key) as ObjectRow | undefined;
        if (old) q.deleteObject.run(bucket, key);
        return old?.file_id;
      }).immediate();
    },
    async setObjectTags(bucket, key, tags) {
      return q.setObjectTags.run(JSON.stringify(tags), bucket, key).changes === 1;
    },
    async listObjects(bucket, prefix, after, limit) {
      const out: S3Object[] = [];
      // Keys compare as UTF-8 bytes (SQLite BINARY collation), as S3 orders them.
      let cursor = utf8Compare(after, prefix) >= 0 ? after : undefined;
      for (;;) {
        const rows = (cursor === undefined ? q.listFrom.all(bucket, prefix, 1000) : q.listObjects.all(bucket, cursor, 1000)) as ObjectRow[];
        for (const r of rows) {
          if (!r.key.startsWith(prefix)) {
            if (utf8Compare(r.key, prefix) > 0) return out;
            continue;
          }
          out.push(objectOf(r));
          if (out.length >= limit) return out;
        }
        if (rows.length < 1000) return out;
        cursor = rows[rows.length - 1]!.key;
      }
    },
    async createUpload(u) {
      parentGone(() => q.insertUpload.run(u.uploadId, u.bucket, u.key, u.initiated.getTime(), u.account, u.initiatorArn, JSON.stringify(u.headers), JSON.stringify(u.tags), jsonText(u.encryption), jsonText(u.checksum)));
    },
    async getUpload(uploadId) {
      const r = q.getUpload.get(uploadId) as UploadRow | undefined;
      return r && uploadOf(r);
    },
    async listUploads(bucket, prefix = '', keyMarker = '', limit = 10_000) {
      return (q.listUploads.all(bucket, keyMarker, prefix, prefix, limit) as UploadRow[]).map(uploadOf);
    },
    async putPart(p) {
      return parentGone(() => db.transaction(() => {
        const old = q.getPart.get(p.uploadId, p.partNumber) as string | undefined;
        q.upsertPart.run(p.uploadId, p.partNumber, p.fileId, p.size, p.etag, p.lastModified.getTime(), jsonText(p.checksum));
        return old !== undefined && old !== p.fileId ? old : undefined;
      }).immediate());
    },
    async listParts(uploadId) {
      return (q.listParts.all(uploadId) as PartRow[]).map(partOf);
    },
    async deleteUpload(uploadId) {
      return db.transaction(() => deleteUpload(uploadId)).immediate();
    },
    async completeUpload(uploadId, o) {
      return parentGone(() => db.transaction(() => {
        if (!q.getUpload.get(uploadId)) throw new S3ParentGoneError();
        const files = deleteUpload(uploadId);
        const replaced = putObject(o);
        return replaced ? [...files, replaced] : files;
      }).immediate());
    },
    async referencedFiles() {
      return new Set(q.files.all() as string[]);
    },
    async close() {
      close();
    },
  };
}
