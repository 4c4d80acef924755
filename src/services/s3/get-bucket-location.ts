import { xmlDocument } from './s3-xml.js';
import type { S3Env } from './operation.js';

/** GetBucketLocation: empty for us-east-1, the region otherwise (S3 API Reference). */
export async function getBucketLocation({ bucket }: S3Env) {
  return { xml: xmlDocument('LocationConstraint', {}).replace('</LocationConstraint>', `${bucket.region === 'us-east-1' ? '' : bucket.region}</LocationConstraint>`) };
}
