/**
 * What the object operations call: seal a new body under the settings a write asks for, and read
 * an object's bytes back (decrypted as the caller), whole or ranged.
 */
import type { Readable } from 'node:stream';
import { NoSuchKey } from '../../../errors/s3-errors.js';
import type { S3Bucket, S3Object, S3ObjectEncryption } from '../../../store/s3-ports.js';
import { quotedMd5 } from '../object-headers.js';
import type { S3Env } from '../operation.js';
import { openObjectKeys, type ObjectKeys } from './object-keys.js';
import { openSealedRange, segmentsOf } from './sealed-body.js';
import type { CustomerKey } from './customer-key.js';

/**
 * ETag of an encrypted object or part: SSE-S3 keeps the MD5 of the plaintext; SSE-KMS and DSSE-KMS
 * ETags are opaque, not an MD5 of the data (S3 API Reference, "Object": ETag; s3-sse-facts.md §5).
 */
export function etagFor(record: S3ObjectEncryption | undefined, md5: Buffer, env: Pick<S3Env, 'ctx'>): string {
  if (record === undefined || record.algorithm === 'AES256') return quotedMd5(md5);
  return `"${env.ctx.random.bytes(16).toString('hex')}"`;
}

/** The deps the KMS seam needs, from the S3 deps. */
export const kmsDeps = (env: Pick<S3Env, 'deps'>) => ({ kms: env.deps.kms, store: env.deps.store, audit: env.deps.audit, keyring: env.deps.keyring, bucketKeys: env.deps.bucketKeys, onKeyUsed: env.deps.onKeyUsed });

/** The object's keys, opened as the caller (Decrypt for SSE-KMS); the caller wipes them. */
export function keysOfObject(env: Pick<S3Env, 'deps' | 'ctx'>, bucket: S3Bucket, o: S3Object, customer?: CustomerKey): Promise<ObjectKeys> {
  return openObjectKeys(kmsDeps(env), env.ctx, bucket, o.key, o.encryption!, customer);
}

/**
 * Plaintext bytes [start, end] (inclusive; the whole object when absent) of a stored object. An
 * object without an encryption record (stored before SSE existed) is read as stored.
 */
export async function readObject(env: Pick<S3Env, 'deps' | 'ctx'>, bucket: S3Bucket, o: S3Object, start = 0, end = o.size - 1, keys?: ObjectKeys): Promise<Readable> {
  const gone = (e: unknown) => ((e as NodeJS.ErrnoException).code === 'ENOENT' ? NoSuchKey() : e);
  if (!o.encryption) {
    try {
      return o.size === 0 ? env.deps.files.read(o.fileId) : env.deps.files.read(o.fileId, start, end);
    } catch (e) {
      throw gone(e);
    }
  }
  const k = keys ?? (await keysOfObject(env, bucket, o));
  try {
    return await openSealedRange(env.deps.files, o.fileId, segmentsOf(o, o.encryption, k.keys), start, end, () => k.wipe());
  } catch (e) {
    throw gone(e);
  }
}
