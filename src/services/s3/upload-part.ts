import { quotedMd5 } from './object-headers.js';
import { NoSuchUpload } from '../../errors/s3-errors.js';
import { commitWritten, writeRequestBody } from './object-body.js';
import { MAX_PUT_BYTES, type S3Env } from './operation.js';
import { partNumberOf, uploadOf } from './upload-lookup.js';
import { checksumHeaders } from './checksum-headers.js';
import { checkPartChecksum } from './multipart-checksums.js';

/** UploadPart: a part of at most 5 GiB, streamed to its own file; a re-sent part number replaces the earlier part. */
export async function uploadPart(env: S3Env) {
  const { deps, ctx, call } = env;
  const partNumber = partNumberOf(call.query.get('partNumber'));
  const upload = await uploadOf(env);
  checkPartChecksum(upload, call.headers);
  const written = await writeRequestBody(env, MAX_PUT_BYTES);
  const etag = quotedMd5(written.md5);
  const replaced = await commitWritten(deps, [written.fileId], NoSuchUpload, () =>
    deps.s3.putPart({ uploadId: upload.uploadId, partNumber, fileId: written.fileId, size: written.size, etag, lastModified: ctx.clock.now(), ...(written.checksum ? { checksum: written.checksum } : {}) }),
  );
  if (replaced) await deps.files.remove([replaced]);
  // UploadPartOutput carries the checksum but no x-amz-checksum-type.
  return { headers: { etag, ...checksumHeaders(written.checksum, false) } };
}
