import { NoSuchKey } from '../../errors/s3-errors.js';
import type { S3Env } from './operation.js';

/** DeleteObjectTagging: 204. */
export async function deleteObjectTagging({ deps, bucket, key }: S3Env) {
  if (!(await deps.s3.setObjectTags(bucket.name, key, []))) throw NoSuchKey();
  return { status: 204 };
}
