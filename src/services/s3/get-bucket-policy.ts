import { s3Error } from '../../errors/s3-errors.js';
import type { S3Env } from './operation.js';

/** GetBucketPolicy: the policy text as stored (JSON body). */
export async function getBucketPolicy({ bucket }: S3Env) {
  if (bucket.policy === undefined) throw s3Error('NoSuchBucketPolicy', 'The bucket policy does not exist');
  return { xml: bucket.policy, headers: { 'content-type': 'application/json' } };
}
