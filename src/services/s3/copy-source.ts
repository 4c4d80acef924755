/**
 * The source of CopyObject and UploadPartCopy: `x-amz-copy-source` = `[/]bucket/key` URL-encoded
 * (S3 API Reference, CopyObject), read as the caller (s3:GetObject on the source object), with the
 * x-amz-copy-source-if-* conditions (all failures are 412 for a copy).
 */
import { InvalidArgument, NoSuchBucket, NoSuchKey, NotImplemented } from '../../errors/s3-errors.js';
import type { S3Bucket, S3Object } from '../../store/s3-ports.js';
import { authorizeS3, objectArn } from './authorize.js';
import type { S3Env } from './operation.js';
import { checkPreconditions, requestConditions } from './preconditions.js';

export async function copySource({ deps, ctx, call }: S3Env): Promise<{ bucket: S3Bucket; object: S3Object }> {
  const raw = call.headers['x-amz-copy-source'] ?? '';
  const [path, query] = raw.split('?', 2) as [string, string | undefined];
  if (query !== undefined && /(^|&)versionId=/.test(query)) throw NotImplemented('CopyObject from an object version');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).replace(/^\//, '');
  } catch {
    throw InvalidArgument('Invalid copy source encoding');
  }
  const slash = decoded.indexOf('/');
  // Unverified: S3's answer for NUL in the source key; no store holds one.
  if (slash <= 0 || slash === decoded.length - 1 || decoded.includes('\u0000')) throw InvalidArgument('Invalid copy source object key');
  const bucketName = decoded.slice(0, slash);
  const key = decoded.slice(slash + 1);
  const bucket = await deps.s3.getBucket(bucketName);
  if (!bucket) throw NoSuchBucket();
  await authorizeS3(deps, ctx, 's3:GetObject', objectArn(bucketName, key), bucket);
  const object = await deps.s3.getObject(bucketName, key);
  if (!object) throw NoSuchKey();
  checkPreconditions(object, requestConditions(call.headers, 'x-amz-copy-source-'), true);
  return { bucket, object };
}
