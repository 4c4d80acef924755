import type { S3Env } from './operation.js';

/** HeadBucket: 200 with the bucket's region (S3 API Reference, HeadBucket). */
export async function headBucket({ bucket }: S3Env) {
  return { headers: { 'x-amz-bucket-region': bucket.region } };
}
