import { checkKey, quotedMd5, storedHeaders, tagsFromHeader } from './object-headers.js';
import { NoSuchBucket } from '../../errors/s3-errors.js';
import { commitWritten, refuseEncryptionHeaders, writeRequestBody } from './object-body.js';
import { MAX_PUT_BYTES, type S3Env } from './operation.js';
import { checksumHeaders } from './checksum-headers.js';

/**
 * PutObject: the body is streamed to a file (fsynced and renamed), then the metadata committed;
 * the file of the object it replaced is removed after the commit. ETag = quoted hex MD5.
 */
export async function putObject(env: S3Env) {
  const { deps, ctx, call, bucket, key } = env;
  checkKey(key);
  refuseEncryptionHeaders(call.headers, 'PutObject');
  const headers = storedHeaders(call.headers);
  const tags = tagsFromHeader(call.headers['x-amz-tagging']);
  const written = await writeRequestBody(env, MAX_PUT_BYTES);
  const etag = quotedMd5(written.md5);
  const replaced = await commitWritten(deps, [written.fileId], NoSuchBucket, () =>
    deps.s3.putObject({ bucket: bucket.name, key, fileId: written.fileId, size: written.size, etag, lastModified: ctx.clock.now(), headers, tags, partSizes: [], ...(written.checksum ? { checksum: written.checksum } : {}) }),
  );
  if (replaced) await deps.files.remove([replaced]);
  return { headers: { etag, ...checksumHeaders(written.checksum) } };
}
