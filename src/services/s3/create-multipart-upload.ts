import { xmlDocument } from './s3-xml.js';
import { checkKey, storedHeaders, tagsFromHeader } from './object-headers.js';
import { NoSuchBucket } from '../../errors/s3-errors.js';
import { commitWritten } from './object-body.js';
import type { S3Env } from './operation.js';
import { kmsDeps } from './sse/object-io.js';
import { newObjectKeys, sseResponseHeaders } from './sse/object-keys.js';
import { effectiveSse } from './sse/sse-settings.js';
import { customerKeyOf } from './sse/customer-objects.js';
import { uploadChecksumOf } from './multipart-checksums.js';

/**
 * CreateMultipartUpload: records the object's headers and tags for completion, and its encryption:
 * the data key is made now (GenerateDataKey as the caller for SSE-KMS) and stored sealed in the
 * upload; every part opens it again (s3-sse-facts.md §3). Answers the upload id.
 */
export async function createMultipartUpload(env: S3Env) {
  const { deps, ctx, call, bucket, key } = env;
  checkKey(key);
  const settings = effectiveSse(call.headers, bucket);
  const headers = storedHeaders(call.headers);
  const tags = tagsFromHeader(call.headers['x-amz-tagging']);
  const checksum = uploadChecksumOf(call.headers);
  const sse = await newObjectKeys(kmsDeps(env), ctx, bucket, key, settings, customerKeyOf(env));
  sse.wipe();
  const uploadId = ctx.random.bytes(24).toString('base64url');
  await commitWritten(deps, [], NoSuchBucket, () => deps.s3.createUpload({
    uploadId, bucket: bucket.name, key, initiated: ctx.clock.now(), account: ctx.account, initiatorArn: ctx.principal.arn, headers, tags, encryption: sse.record,
    ...(checksum ? { checksum } : {}),
  }));
  const checksumOut: Record<string, string> = checksum ? { 'x-amz-checksum-algorithm': checksum.algorithm, 'x-amz-checksum-type': checksum.type } : {};
  return { headers: { ...sseResponseHeaders(sse.record, true), ...checksumOut }, xml: xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket.name, Key: key, UploadId: uploadId }) };
}
