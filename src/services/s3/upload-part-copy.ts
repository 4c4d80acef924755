import { Readable } from 'node:stream';
import { InvalidArgument, NoSuchUpload, s3Error } from '../../errors/s3-errors.js';
import { commitWritten } from './object-body.js';
import { xmlDocument } from './s3-xml.js';
import { copySource } from './copy-source.js';
import { quotedMd5 } from './object-headers.js';
import { MAX_PUT_BYTES, type S3Env } from './operation.js';
import { partNumberOf, uploadOf } from './upload-lookup.js';
import { checksumElements, hashingTap } from './checksum-headers.js';

/** UploadPartCopy: a part copied from an object, whole or `x-amz-copy-source-range: bytes=first-last`. */
export async function uploadPartCopy(env: S3Env) {
  const { deps, ctx, call } = env;
  const partNumber = partNumberOf(call.query.get('partNumber'));
  const upload = await uploadOf(env);
  const { object } = await copySource(env);
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
  const source = end < start ? Readable.from([]) : deps.files.read(object.fileId, start, end);
  // An upload created with a checksum algorithm gets the copied part's checksum computed here.
  const tap = upload.checksum ? hashingTap(upload.checksum.algorithm, source) : undefined;
  const written = await deps.files.write(tap?.body ?? source, MAX_PUT_BYTES);
  const checksum = tap && upload.checksum
    ? { algorithm: upload.checksum.algorithm, value: tap.hasher.digest().toString('base64'), type: 'FULL_OBJECT' as const }
    : undefined;
  const etag = quotedMd5(written.md5);
  const lastModified = ctx.clock.now();
  const replaced = await commitWritten(deps, [written.fileId], NoSuchUpload, () =>
    deps.s3.putPart({ uploadId: upload.uploadId, partNumber, fileId: written.fileId, size: written.size, etag, lastModified, ...(checksum ? { checksum } : {}) }),
  );
  if (replaced) await deps.files.remove([replaced]);
  return { xml: xmlDocument('CopyPartResult', { ETag: etag, LastModified: lastModified, ...checksumElements(checksum) }) };
}

