import { xmlDocument } from './s3-xml.js';
import type { S3Env } from './operation.js';

/** GetBucketVersioning: a bucket that never had versioning enabled answers an empty configuration. */
export async function getBucketVersioning(_env: S3Env) {
  return { xml: xmlDocument('VersioningConfiguration', {}) };
}
