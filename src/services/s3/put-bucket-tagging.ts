import { MAX_XML_BODY_BYTES, type S3Env } from './operation.js';
import { parseTagging } from './tag-set.js';

/** PutBucketTagging: replaces the bucket's tag set (at most 50 tags), 204. */
export async function putBucketTagging({ deps, call, bucket }: S3Env) {
  const tags = parseTagging(await call.body.readAll(MAX_XML_BODY_BYTES), 50);
  await deps.s3.setBucketTags(bucket.name, tags);
  return { status: 204 };
}
