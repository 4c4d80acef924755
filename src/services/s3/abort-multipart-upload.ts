import type { S3Env } from './operation.js';
import { uploadOf } from './upload-lookup.js';

/** AbortMultipartUpload: the upload and its parts' files are removed, 204. */
export async function abortMultipartUpload(env: S3Env) {
  const upload = await uploadOf(env);
  await env.deps.files.remove(await env.deps.s3.deleteUpload(upload.uploadId));
  return { status: 204 };
}
