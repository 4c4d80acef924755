import { quotedMd5 } from './object-headers.js';
import { NoSuchUpload } from '../../errors/s3-errors.js';
import { commitWritten, writeRequestBody } from './object-body.js';
import { MAX_PUT_BYTES, type S3Env } from './operation.js';
import { partNumberOf, uploadOf } from './upload-lookup.js';
import { etagFor } from './sse/object-io.js';
import { sseResponseHeaders } from './sse/object-keys.js';
import { objectBinding } from './sse/sealed-body.js';
import { refuseSseHeaders } from './sse/sse-settings.js';
import { uploadKeys } from './sse/upload-keys.js';
import { checksumHeaders } from './checksum-headers.js';
import { checkPartChecksum } from './multipart-checksums.js';

/**
 * UploadPart: a part of at most 5 GiB, encrypted as it streams under the upload's data key (its own
 * chunk segment, numbered by the part) to its own file; a re-sent part number replaces the earlier part.
 */
export async function uploadPart(env: S3Env) {
  const { deps, ctx, call, bucket } = env;
  const partNumber = partNumberOf(call.query.get('partNumber'));
  refuseSseHeaders(call.headers);
  const upload = await uploadOf(env);
  checkPartChecksum(upload, call.headers);
  const sse = await uploadKeys(env, upload);
  let written;
  try {
    // The part's checksum, MD5 and size are of its plaintext (object-body.ts taps before the sealer).
    written = await writeRequestBody(env, MAX_PUT_BYTES, sse && { keys: sse.keys, binding: objectBinding(bucket.name, upload.key), segment: partNumber, baseNonce: ctx.random.bytes(12) });
  } finally {
    sse?.wipe();
  }
  const etag = sse ? etagFor(sse.record, written.md5, env) : quotedMd5(written.md5);
  const replaced = await commitWritten(deps, [written.fileId], NoSuchUpload, () =>
    deps.s3.putPart({ uploadId: upload.uploadId, partNumber, fileId: written.fileId, size: written.size, etag, lastModified: ctx.clock.now(), ...(written.checksum ? { checksum: written.checksum } : {}) }),
  );
  if (replaced) await deps.files.remove([replaced]);
  // UploadPartOutput carries the checksum but no x-amz-checksum-type.
  return { headers: { etag, ...sseResponseHeaders(sse?.record), ...checksumHeaders(written.checksum, false) } };
}
