import { NoSuchKey } from '../../errors/s3-errors.js';
import { MAX_XML_BODY_BYTES, type S3Env } from './operation.js';
import { parseTagging } from './tag-set.js';

/** PutObjectTagging: replaces the object's tag set (at most 10 tags). */
export async function putObjectTagging({ deps, call, bucket, key }: S3Env) {
  const tags = parseTagging(await call.body.readAll(MAX_XML_BODY_BYTES), 10);
  if (!(await deps.s3.setObjectTags(bucket.name, key, tags))) throw NoSuchKey();
  return {};
}
