import { createHash } from 'node:crypto';
import { s3Error } from '../../errors/s3-errors.js';
import { checkContentMd5 } from './object-headers.js';
import { MAX_XML_BODY_BYTES, type S3Env } from './operation.js';
import { parseBucketEncryption } from './sse/bucket-encryption-xml.js';

/**
 * PutBucketEncryption: the bucket's default encryption (one rule). The request needs Content-MD5 or
 * an x-amz-checksum-* header (S3 API Reference, PutBucketEncryption); S3 does not check the key id
 * here — objects written under it do (s3-sse-facts.md §2). 200.
 */
export async function putBucketEncryption({ deps, call, bucket }: S3Env) {
  const body = await call.body.readAll(MAX_XML_BODY_BYTES);
  const checksums = Object.keys(call.headers).filter((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-type');
  if (call.headers['content-md5'] === undefined && checksums.length === 0) {
    // Unverified: S3's exact text for this operation (its form for operations that require Content-MD5).
    throw s3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
  }
  checkContentMd5(call.headers['content-md5'], createHash('md5').update(body).digest());
  const sha256 = call.headers['x-amz-checksum-sha256'];
  if (sha256 !== undefined && sha256.trim() !== createHash('sha256').update(body).digest('base64')) {
    throw s3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
  }
  await deps.s3.setBucketEncryption(bucket.name, parseBucketEncryption(body));
  return {};
}
