import { xmlDocument } from './s3-xml.js';
import { checkKey, storedHeaders, tagsFromHeader } from './object-headers.js';
import { NoSuchBucket } from '../../errors/s3-errors.js';
import { commitWritten, refuseEncryptionHeaders } from './object-body.js';
import type { S3Env } from './operation.js';
import { uploadChecksumOf } from './multipart-checksums.js';

/** CreateMultipartUpload: records the object's headers and tags for completion; answers the upload id. */
export async function createMultipartUpload({ deps, ctx, call, bucket, key }: S3Env) {
  checkKey(key);
  refuseEncryptionHeaders(call.headers, 'CreateMultipartUpload');
  const checksum = uploadChecksumOf(call.headers);
  const uploadId = ctx.random.bytes(24).toString('base64url');
  await commitWritten(deps, [], NoSuchBucket, () => deps.s3.createUpload({
    uploadId, bucket: bucket.name, key, initiated: ctx.clock.now(), account: ctx.account, initiatorArn: ctx.principal.arn,
    headers: storedHeaders(call.headers), tags: tagsFromHeader(call.headers['x-amz-tagging']), ...(checksum ? { checksum } : {}),
  }));
  const headers: Record<string, string> = checksum ? { 'x-amz-checksum-algorithm': checksum.algorithm, 'x-amz-checksum-type': checksum.type } : {};
  return { headers, xml: xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket.name, Key: key, UploadId: uploadId }) };
}
