import { checkKey, storedHeaders, tagsFromHeader } from './object-headers.js';
import { NoSuchBucket } from '../../errors/s3-errors.js';
import { commitWritten, writeRequestBody } from './object-body.js';
import { MAX_PUT_BYTES, type S3Env } from './operation.js';
import { etagFor, kmsDeps } from './sse/object-io.js';
import { newObjectKeys, sseResponseHeaders } from './sse/object-keys.js';
import { objectBinding } from './sse/sealed-body.js';
import { effectiveSse } from './sse/sse-settings.js';
import { customerKeyOf } from './sse/customer-objects.js';
import { checksumHeaders } from './checksum-headers.js';

/**
 * PutObject: the body is encrypted as it streams (server-side encryption: the request's headers,
 * else the bucket default, else SSE-S3) to a file (fsynced and renamed), then the metadata
 * committed; the file of the object it replaced is removed after the commit. ETag = quoted hex
 * MD5 of the plaintext for SSE-S3, opaque for SSE-KMS.
 */
export async function putObject(env: S3Env) {
  const { deps, ctx, call, bucket, key } = env;
  checkKey(key);
  const settings = effectiveSse(call.headers, bucket);
  const headers = storedHeaders(call.headers);
  const tags = tagsFromHeader(call.headers['x-amz-tagging']);
  const sse = await newObjectKeys(kmsDeps(env), ctx, bucket, key, settings, customerKeyOf(env));
  let written;
  try {
    written = await writeRequestBody(env, MAX_PUT_BYTES, { keys: sse.keys, binding: objectBinding(bucket.name, key), segment: 0, baseNonce: ctx.random.bytes(12) });
  } finally {
    sse.wipe();
  }
  const etag = etagFor(sse.record, written.md5, env);
  const replaced = await commitWritten(deps, [written.fileId], NoSuchBucket, () =>
    deps.s3.putObject({ bucket: bucket.name, key, fileId: written.fileId, size: written.size, etag, lastModified: ctx.clock.now(), headers, tags, partSizes: [], encryption: sse.record, ...(written.checksum ? { checksum: written.checksum } : {}) }),
  );
  if (replaced) await deps.files.remove([replaced]);
  return { headers: { etag, ...sseResponseHeaders(sse.record, true), ...checksumHeaders(written.checksum) } };
}
