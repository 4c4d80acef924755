import { Readable } from 'node:stream';
import { InvalidArgument, NoSuchUpload, s3Error } from '../../errors/s3-errors.js';
import { commitWritten } from './object-body.js';
import { xmlDocument } from './s3-xml.js';
import { copySource } from './copy-source.js';
import { quotedMd5 } from './object-headers.js';
import { MAX_PUT_BYTES, type S3Env } from './operation.js';
import { partNumberOf, uploadOf } from './upload-lookup.js';
import { etagFor, keysOfObject, readObject } from './sse/object-io.js';
import { customerKeyNotApplicable } from './sse/customer-key.js';
import { customerKeyOf } from './sse/customer-objects.js';
import { sseResponseHeaders } from './sse/object-keys.js';
import { objectBinding, writeSealed } from './sse/sealed-body.js';
import { refuseSseHeaders } from './sse/sse-settings.js';
import { uploadKeys } from './sse/upload-keys.js';
import { checksumElements, hashingTap } from './checksum-headers.js';

/**
 * UploadPartCopy: a part copied from an object, whole or `x-amz-copy-source-range: bytes=first-last`;
 * the source is decrypted as the caller and the part encrypted under the upload's data key.
 */
export async function uploadPartCopy(env: S3Env) {
  const { deps, ctx, call, bucket } = env;
  const partNumber = partNumberOf(call.query.get('partNumber'));
  refuseSseHeaders(call.headers);
  const upload = await uploadOf(env);
  const { bucket: sourceBucket, object } = await copySource(env);
  let start = 0;
  let end = object.size - 1;
  const range = call.headers['x-amz-copy-source-range'];
  if (range !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(range.trim());
    if (!m) throw InvalidArgument('The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy');
    start = Number(m[1]);
    end = Number(m[2]);
    if (end < start || end >= object.size) throw s3Error('InvalidRange', 'The requested range is not satisfiable');
  }
  if (end - start + 1 > MAX_PUT_BYTES) throw InvalidArgument('Part size must be at most 5368709120 bytes');
  const sse = await uploadKeys(env, upload);
  let written;
  let tap;
  try {
    // An SSE-C source is opened with the x-amz-copy-source-server-side-encryption-customer-* key.
    const sourceCustomer = customerKeyOf(env, 'copy-source');
    if (!object.encryption && sourceCustomer) throw customerKeyNotApplicable();
    const sourceKeys = object.encryption ? await keysOfObject(env, sourceBucket, object, sourceCustomer) : undefined;
    if (end < start) sourceKeys?.wipe();
    const plain = end < start ? Readable.from([]) : await readObject(env, sourceBucket, object, start, end, sourceKeys);
    // An upload created with a checksum algorithm gets the copied part's checksum (of the plaintext):
    // computed by the sealed write, or by a tap on the way to an unsealed file.
    const algorithm = upload.checksum?.algorithm;
    tap = algorithm && !sse ? hashingTap(algorithm, plain) : undefined;
    try {
      written = sse
        ? await writeSealed(deps, plain, MAX_PUT_BYTES, sse.keys, objectBinding(bucket.name, upload.key), partNumber, ctx.random, algorithm)
        : await deps.files.write(tap?.body ?? plain, MAX_PUT_BYTES);
    } finally {
      plain.destroy();
    }
  } finally {
    sse?.wipe();
  }
  const digest = written.checksumDigest ?? tap?.hasher.digest();
  const checksum = upload.checksum && digest ? { algorithm: upload.checksum.algorithm, value: digest.toString('base64'), type: 'FULL_OBJECT' as const } : undefined;
  const etag = sse ? etagFor(sse.record, written.md5, env) : quotedMd5(written.md5);
  const lastModified = ctx.clock.now();
  const replaced = await commitWritten(deps, [written.fileId], NoSuchUpload, () =>
    deps.s3.putPart({ uploadId: upload.uploadId, partNumber, fileId: written.fileId, size: written.size, etag, lastModified, ...(checksum ? { checksum } : {}) }),
  );
  if (replaced) await deps.files.remove([replaced]);
  return { headers: sseResponseHeaders(sse?.record), xml: xmlDocument('CopyPartResult', { ETag: etag, LastModified: lastModified, ...checksumElements(checksum) }) };
}
