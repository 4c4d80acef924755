import type { S3Env } from './operation.js';

/** DeleteBucketTagging: 204. */
export async function deleteBucketTagging({ deps, bucket }: S3Env) {
  await deps.s3.setBucketTags(bucket.name, undefined);
  return { status: 204 };
}
