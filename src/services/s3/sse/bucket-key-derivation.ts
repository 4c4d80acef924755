/**
 * Per-object data keys derived from an S3 Bucket Key, without calling KMS. AWS does not document
 * how S3 derives them ("S3 uses the bucket-level key to create unique data keys for new
 * objects"); Locksmith uses HKDF-SHA256 (RFC 5869) with a random per-object salt and the object's
 * ARN in the info, so every object gets its own key and a key moved to another object is wrong.
 * The salt is recorded in the object's metadata next to the bucket key's CiphertextBlob.
 */
import { hkdfSync } from 'node:crypto';
import { AES_256_KEY_BYTES } from '../../../crypto/aes-gcm.js';
import type { Random } from '../../../crypto/random.js';

export const OBJECT_KEY_SALT_BYTES = 32;
const INFO_LABEL = 'locksmith:s3:bucket-key:object-data-key:v1\u0000';

/** The object's data key from the bucket key, its salt and its ARN (`arn:aws:s3:::bucket/key`). */
export function deriveObjectDataKey(bucketKey: Buffer, salt: Buffer, objectArn: string): Buffer {
  if (bucketKey.length !== AES_256_KEY_BYTES) throw new Error('a bucket key is 32 bytes');
  if (salt.length !== OBJECT_KEY_SALT_BYTES) throw new Error(`an object key salt is ${OBJECT_KEY_SALT_BYTES} bytes`);
  return Buffer.from(hkdfSync('sha256', bucketKey, salt, Buffer.from(INFO_LABEL + objectArn, 'utf8'), AES_256_KEY_BYTES));
}

/** A fresh salt and the data key it derives, for a new object. */
export function newObjectDataKey(bucketKey: Buffer, objectArn: string, random: Random): { salt: Buffer; dataKey: Buffer } {
  const salt = random.bytes(OBJECT_KEY_SALT_BYTES);
  return { salt, dataKey: deriveObjectDataKey(bucketKey, salt, objectArn) };
}

/** The encryption context S3 binds to a bucket key: the bucket's ARN (S3 User Guide, "bucket-key"). */
export const bucketKeyContext = (bucket: string): Record<string, string> => ({ 'aws:s3:arn': `arn:aws:s3:::${bucket}` });

/**
 * Whether an object write uses a Bucket Key: the request header wins over the bucket's default
 * (S3 User Guide, "Configuring an S3 Bucket Key at the object level"); only SSE-KMS uses one
 * (not DSSE-KMS). Header values other than true/false are S3's InvalidArgument, checked by the caller.
 */
export function usesBucketKey(sseAlgorithm: string | undefined, header: string | undefined, bucketDefault: boolean): boolean {
  if (sseAlgorithm !== 'aws:kms') return false;
  if (header !== undefined) return header.toLowerCase() === 'true';
  return bucketDefault;
}
