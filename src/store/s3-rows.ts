import type { S3Bucket, S3Object, S3Part, S3Upload } from './s3-ports.js';

/** The S3 tables' rows as both adapters (SQLite and PostgreSQL) read them; `encryption` is absent where a query leaves it out. */
export interface BucketRow { name: string; account: string; region: string; created_at: number; policy: string | null; tags: string | null; encryption?: string | null }
export interface ObjectRow { bucket: string; key: string; file_id: string; size: number; etag: string; last_modified: number; headers: string; tags: string; part_sizes: string; encryption?: string | null; checksum: string | null }
export interface UploadRow { upload_id: string; bucket: string; key: string; initiated: number; account: string; initiator_arn: string; headers: string; tags: string; encryption?: string | null; checksum: string | null }
export interface PartRow { upload_id: string; part_number: number; file_id: string; size: number; etag: string; last_modified: number; checksum: string | null }

export const bucketOf = (r: BucketRow): S3Bucket => ({
  name: r.name,
  account: r.account,
  region: r.region,
  createdAt: new Date(r.created_at),
  ...(r.policy !== null ? { policy: r.policy } : {}),
  ...(r.tags !== null ? { tags: JSON.parse(r.tags) } : {}),
  ...(r.encryption ? { encryption: JSON.parse(r.encryption) } : {}),
});
export const objectOf = (r: ObjectRow): S3Object => ({
  bucket: r.bucket,
  key: r.key,
  fileId: r.file_id,
  size: r.size,
  etag: r.etag,
  lastModified: new Date(r.last_modified),
  headers: JSON.parse(r.headers),
  tags: JSON.parse(r.tags),
  partSizes: JSON.parse(r.part_sizes),
  ...(r.encryption ? { encryption: JSON.parse(r.encryption) } : {}),
  ...(r.checksum !== null ? { checksum: JSON.parse(r.checksum) } : {}),
});
export const uploadOf = (r: UploadRow): S3Upload => ({
  uploadId: r.upload_id,
  bucket: r.bucket,
  key: r.key,
  initiated: new Date(r.initiated),
  account: r.account,
  initiatorArn: r.initiator_arn,
  headers: JSON.parse(r.headers),
  tags: JSON.parse(r.tags),
  ...(r.encryption ? { encryption: JSON.parse(r.encryption) } : {}),
  ...(r.checksum !== null ? { checksum: JSON.parse(r.checksum) } : {}),
});
export const partOf = (r: PartRow): S3Part => ({
  uploadId: r.upload_id,
  partNumber: r.part_number,
  fileId: r.file_id,
  size: r.size,
  etag: r.etag,
  lastModified: new Date(r.last_modified),
  ...(r.checksum !== null ? { checksum: JSON.parse(r.checksum) } : {}),
});

/** A record stored as JSON text (JSON.stringify escapes NUL, which PostgreSQL text cannot hold); undefined: NULL. */
export const jsonText = (v: object | undefined): string | null => (v === undefined ? null : JSON.stringify(v));
