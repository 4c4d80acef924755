import type { S3Env } from './operation.js';
import { bucketEncryptionXml } from './sse/bucket-encryption-xml.js';

/**
 * GetBucketEncryption: the bucket's default encryption; a bucket without one answers SSE-S3
 * (AES256, BucketKeyEnabled false): every bucket has default encryption since January 2023 (S3
 * User Guide, "Setting default server-side encryption behavior for Amazon S3 buckets").
 */
export async function getBucketEncryption({ bucket }: S3Env) {
  return { xml: bucketEncryptionXml(bucket.encryption) };
}
