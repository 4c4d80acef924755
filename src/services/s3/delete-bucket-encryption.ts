import type { S3Env } from './operation.js';

/** DeleteBucketEncryption: back to the SSE-S3 default; 204, idempotent (s3-sse-facts.md §2). */
export async function deleteBucketEncryption({ deps, bucket }: S3Env) {
  await deps.s3.setBucketEncryption(bucket.name, undefined);
  return { status: 204 };
}
