import { NoSuchKey } from '../../errors/s3-errors.js';
import { xmlDocument } from './s3-xml.js';
import type { S3Env } from './operation.js';
import { taggingXml } from './tag-set.js';

/** GetObjectTagging: the object's tag set (empty when it has none). */
export async function getObjectTagging({ deps, bucket, key }: S3Env) {
  const o = await deps.s3.getObject(bucket.name, key);
  if (!o) throw NoSuchKey();
  return { xml: xmlDocument('Tagging', taggingXml(o.tags)) };
}
