import type { S3Env } from './operation.js';

/** DeleteObject: 204 whether or not the key existed (unversioned bucket); the file goes after the commit. */
export async function deleteObject({ deps, bucket, key }: S3Env) {
  const removed = await deps.s3.deleteObject(bucket.name, key);
  if (removed) await deps.files.remove([removed]);
  return { status: 204 };
}
