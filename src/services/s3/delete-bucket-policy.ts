import type { S3Env } from './operation.js';

/** DeleteBucketPolicy: 204, also when there was none. */
export async function deleteBucketPolicy({ deps, bucket }: S3Env) {
  await deps.s3.setBucketPolicy(bucket.name, undefined);
  return { status: 204 };
}
