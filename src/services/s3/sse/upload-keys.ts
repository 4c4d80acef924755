import type { S3Upload } from '../../../store/s3-ports.js';
import type { S3Env } from '../operation.js';
import { kmsDeps } from './object-io.js';
import { openObjectKeys, type ObjectKeys } from './object-keys.js';
import { customerKeyNotApplicable } from './customer-key.js';
import { customerKeyOf, openCustomerPartKeys } from './customer-objects.js';

/**
 * The data key of a multipart upload, opened for one part: SSE-KMS calls Decrypt as the caller at
 * every UploadPart and UploadPartCopy, so a caller without kms:Decrypt cannot upload parts (KMS
 * Developer Guide / S3 User Guide, "Multipart upload and permissions"). Undefined for an upload
 * created before server-side encryption existed.
 */
export async function uploadKeys(env: S3Env, upload: S3Upload): Promise<ObjectKeys | undefined> {
  // SSE-C: every part repeats the upload's customer key (s3-sse-facts.md §1).
  const customer = customerKeyOf(env);
  if (!upload.encryption) {
    if (customer) throw customerKeyNotApplicable();
    return undefined;
  }
  if (upload.encryption.customerKey) return openCustomerPartKeys(env.deps, env.bucket, upload.key, upload.encryption, customer);
  return openObjectKeys(kmsDeps(env), env.ctx, env.bucket, upload.key, upload.encryption, customer);
}
