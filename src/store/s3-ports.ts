/**
 * The S3 object service's metadata store (buckets, objects, multipart uploads and parts, bucket
 * policies and tags) and its object-bytes port. Object bytes live in files named by the store
 * (random ids), never derived from object keys.
 */
import type { Readable } from 'node:stream';

export interface S3Bucket {
  name: string;
  account: string;
  region: string;
  createdAt: Date;
  policy?: string;
  tags?: Array<{ Key: string; Value: string }>;
  /** PutBucketEncryption's configuration; absent: the default, SSE-S3 (AES256). */
  encryption?: S3BucketEncryption;
}

/** A bucket's default encryption (S3 API Reference, PutBucketEncryption: one rule). */
export interface S3BucketEncryption {
  sseAlgorithm: string;
  /** As given (id, ARN or alias); S3 does not check it at PutBucketEncryption. */
  kmsMasterKeyId?: string;
  bucketKeyEnabled: boolean;
  /** BlockedEncryptionTypes/EncryptionType values, when the rule has them. */
  blockedEncryptionTypes?: string[];
}

/**
 * How an object's (or a multipart upload's) bytes are encrypted at rest (src/crypto/object-chunks.ts):
 * the data key sealed — for SSE-S3 under S3's AWS owned key, for SSE-KMS the KMS CiphertextBlob —
 * never in plaintext. Absent on rows written before server-side encryption existed.
 */
export interface S3ObjectEncryption {
  /** x-amz-server-side-encryption: AES256, aws:kms or aws:kms:dsse. */
  algorithm: string;
  /** The data key, sealed (base64). */
  encryptedDataKey: string;
  /** DSSE-KMS: the second (S3-managed) layer's key, sealed under S3's AWS owned key (base64). */
  secondLayerKey?: string;
  /** SSE-KMS: the KMS key's ARN and the full encryption context (aws:s3:arn + the caller's pairs). */
  kmsKeyArn?: string;
  context?: Record<string, string>;
  bucketKeyEnabled?: boolean;
  /** SSE-KMS with a Bucket Key: base64 HKDF salt of this object's data key; encryptedDataKey is then the bucket key's CiphertextBlob. */
  bucketKeySalt?: string;
  /** SSE-C (algorithm 'SSE-C'): what recognises the customer's key — never the key (src/services/s3/sse/customer-key.ts). */
  customerKey?: { algorithm: 'AES256'; keyMd5: string; salt: string; fingerprint: string; wrappedDataKey: string };
  /** Multipart objects: the part number of each stored segment, in order (bound in each chunk's AAD). */
  partNumbers?: number[];
}

/** System and user metadata stored with an object and returned on GET/HEAD. */
export interface S3ObjectHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  /** x-amz-meta-* without the prefix, names lower-cased. */
  userMetadata: Record<string, string>;
}

/**
 * A stored x-amz-checksum-* (S3 User Guide, "Checking object integrity"): algorithm, base64 value
 * ("…-N" for a COMPOSITE multipart checksum) and type. Absent when the upload declared none.
 */
export interface S3Checksum {
  algorithm: 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256';
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

export interface S3Object {
  bucket: string;
  key: string;
  fileId: string;
  size: number;
  /** Quoted: `"<md5 hex>"` or `"<md5 of part md5s>-N"`. */
  etag: string;
  lastModified: Date;
  headers: S3ObjectHeaders;
  tags: Array<{ Key: string; Value: string }>;
  /** Part sizes for multipart objects (GetObject partNumber); empty for single-part. */
  partSizes: number[];
  encryption?: S3ObjectEncryption;
  /** The object's checksum (stored and returned with x-amz-checksum-mode: ENABLED). */
  checksum?: S3Checksum;
}

export interface S3Upload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: Date;
  account: string;
  initiatorArn: string;
  headers: S3ObjectHeaders;
  tags: Array<{ Key: string; Value: string }>;
  /** The encryption every part is written with (data key from CreateMultipartUpload). */
  encryption?: S3ObjectEncryption;
  /** CreateMultipartUpload's x-amz-checksum-algorithm and x-amz-checksum-type, when given. */
  checksum?: Omit<S3Checksum, 'value'>;
}

export interface S3Part {
  uploadId: string;
  partNumber: number;
  fileId: string;
  size: number;
  etag: string;
  lastModified: Date;
  /** The part's verified checksum (type FULL_OBJECT: a part's own checksum covers its bytes). */
  checksum?: S3Checksum;
}

export interface ListObjectsPage {
  /** Keys in UTF-8 binary order after `after`, starting with `prefix`, at most `limit`. */
  objects: S3Object[];
}

/** A write named a bucket or multipart upload that no longer exists (deleted or aborted concurrently). */
export class S3ParentGoneError extends Error {
  constructor() {
    super('bucket or upload gone');
  }
}

export interface S3Store {
  createBucket(b: S3Bucket): Promise<'created' | 'exists'>;
  getBucket(name: string): Promise<S3Bucket | undefined>;
  listBuckets(account: string): Promise<S3Bucket[]>;
  /** 'notEmpty' when objects or uploads remain. */
  deleteBucket(name: string): Promise<'deleted' | 'notEmpty' | 'missing'>;
  setBucketPolicy(name: string, policy: string | undefined): Promise<void>;
  setBucketTags(name: string, tags: S3Bucket['tags']): Promise<void>;
  /** undefined: back to the default (DeleteBucketEncryption). */
  setBucketEncryption(name: string, encryption: S3BucketEncryption | undefined): Promise<void>;

  getObject(bucket: string, key: string): Promise<S3Object | undefined>;
  /** Commits the object's metadata; returns the file id it replaced (to be removed), if any. S3ParentGoneError when the bucket is gone. */
  putObject(o: S3Object): Promise<string | undefined>;
  /** Returns the removed object's file id, if there was one. */
  deleteObject(bucket: string, key: string): Promise<string | undefined>;
  setObjectTags(bucket: string, key: string, tags: S3Object['tags']): Promise<boolean>;
  /** Objects with key > after (UTF-8 byte order) and starting with prefix, at most limit. */
  listObjects(bucket: string, prefix: string, after: string, limit: number): Promise<S3Object[]>;

  createUpload(u: S3Upload): Promise<void>;
  getUpload(uploadId: string): Promise<S3Upload | undefined>;
  /** Uploads in progress with key > keyMarker (UTF-8 order) starting with prefix, by key then initiation, at most limit. */
  listUploads(bucket: string, prefix?: string, keyMarker?: string, limit?: number): Promise<S3Upload[]>;
  /** Returns the file id this part replaced, if any. S3ParentGoneError when the upload is gone. */
  putPart(p: S3Part): Promise<string | undefined>;
  listParts(uploadId: string): Promise<S3Part[]>;
  /** Removes the upload and its parts; returns the parts' file ids. */
  deleteUpload(uploadId: string): Promise<string[]>;
  /** Completes: commits the object and removes the upload in one transaction; returns file ids to remove. */
  completeUpload(uploadId: string, o: S3Object): Promise<string[]>;

  /** Every file id the metadata references (objects and parts), for orphan cleanup at start. */
  referencedFiles(): Promise<Set<string>>;
  close(): Promise<void>;
}

/** Written object bytes: the file's id and the digests computed while writing. */
export interface WrittenFile {
  fileId: string;
  size: number;
  md5: Buffer;
  /** Empty when the write was told not to compute it (a comparison against it then always fails). */
  sha256: Buffer;
  /** The digest of the x-amz-checksum-* algorithm the write was asked to compute (sealed writes). */
  checksumDigest?: Buffer;
}

/** A new object file written in pieces (a sealed body); nothing of it is visible until commit. */
export interface ObjectFileWriter {
  /** Appends `pieces` after every earlier append (appends queued meanwhile share one vectored write); resolves once written. */
  append(pieces: Uint8Array[]): Promise<void>;
  /** Waits for every append, fsyncs the file, renames it into place and fsyncs the directory: the file's id. */
  commit(): Promise<string>;
  /** Removes the temporary file, once the appends in flight have settled. */
  discard(): Promise<void>;
}

export interface ObjectFiles {
  /** A new file to append to (a body streamed through the sealer, sse/sealed-write.ts). */
  create(): Promise<ObjectFileWriter>;
  /**
   * Streams `body` to a temporary file, fsyncs and renames it; refuses past `limit` bytes.
   * `sha256: false` skips the SHA-256 (no signed payload hash or checksum needs it).
   */
  write(body: Readable, limit: number, opts?: { sha256?: boolean }): Promise<WrittenFile>;
  /** Concatenates files (multipart completion) into a new one. */
  concat(fileIds: string[]): Promise<WrittenFile>;
  /** Bytes [start, end] inclusive of a file, opened before it returns (throws ENOENT when the file is gone). */
  read(fileId: string, start?: number, end?: number): Readable;
  remove(fileIds: string[]): Promise<void>;
  /**
   * Removes temporary files and files no metadata references, last modified before `olderThanMs`
   * (epoch ms; all of them when absent) — files other processes may be writing right now are younger.
   */
  cleanup(referenced: Set<string>, olderThanMs?: number): Promise<number>;
}

/** S3 orders keys by their UTF-8 bytes (JavaScript's < compares UTF-16 code units, which differs past U+FFFF). */
export const utf8Compare = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
