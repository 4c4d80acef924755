import { s3Error } from '../../errors/s3-errors.js';
import { xmlDocument } from './s3-xml.js';
import type { S3Env } from './operation.js';
import { taggingXml } from './tag-set.js';

/** GetBucketTagging: NoSuchTagSet when the bucket has none. */
export async function getBucketTagging({ bucket }: S3Env) {
  if (bucket.tags === undefined) throw s3Error('NoSuchTagSet', 'The TagSet does not exist');
  return { xml: xmlDocument('Tagging', taggingXml(bucket.tags)) };
}
