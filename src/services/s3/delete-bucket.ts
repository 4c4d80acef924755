import { s3Error, NoSuchBucket } from '../../errors/s3-errors.js';
import type { S3Env } from './operation.js';

/** DeleteBucket: only an empty bucket (no objects, no multipart uploads in progress), 204. */
export async function deleteBucket({ deps, bucket }: S3Env) {
  const r = await deps.s3.deleteBucket(bucket.name);
  if (r === 'missing') throw NoSuchBucket();
  if (r === 'notEmpty') throw s3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty');
  return { status: 204 };
}
