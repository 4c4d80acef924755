import { InvalidArgument, InvalidRequest, NoSuchBucket } from '../../errors/s3-errors.js';
import { xmlDocument } from './s3-xml.js';
import { copySource } from './copy-source.js';
import { checkKey, quotedMd5, storedHeaders, tagsFromHeader } from './object-headers.js';
import { commitWritten, refuseEncryptionHeaders } from './object-body.js';
import { MAX_PUT_BYTES, type S3Env } from './operation.js';

/**
 * CopyObject: x-amz-metadata-directive COPY (default) keeps the source's headers, REPLACE takes
 * the request's; x-amz-tagging-directive likewise for tags. Copying an object onto itself needs
 * REPLACE (S3 API Reference, CopyObject).
 */
export async function copyObject(env: S3Env) {
  const { deps, ctx, call, bucket, key } = env;
  checkKey(key);
  refuseEncryptionHeaders(call.headers, 'CopyObject');
  const directive = call.headers['x-amz-metadata-directive'] ?? 'COPY';
  const tagging = call.headers['x-amz-tagging-directive'] ?? 'COPY';
  if (!['COPY', 'REPLACE'].includes(directive)) throw InvalidArgument('Unknown metadata directive.');
  if (!['COPY', 'REPLACE'].includes(tagging)) throw InvalidArgument('Unknown tagging directive.');
  const source = await copySource(env);
  if (source.bucket.name === bucket.name && source.object.key === key && directive === 'COPY') {
    throw InvalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  if (source.object.size > MAX_PUT_BYTES) throw InvalidRequest('The specified copy source is larger than the maximum allowable size for a copy source: 5368709120');
  const written = await deps.files.write(deps.files.read(source.object.fileId), MAX_PUT_BYTES);
  const etag = quotedMd5(written.md5);
  const lastModified = ctx.clock.now();
  const replaced = await commitWritten(deps, [written.fileId], NoSuchBucket, () => deps.s3.putObject({
    bucket: bucket.name,
    key,
    fileId: written.fileId,
    size: written.size,
    etag,
    lastModified,
    headers: directive === 'REPLACE' ? storedHeaders(call.headers) : source.object.headers,
    tags: tagging === 'REPLACE' ? tagsFromHeader(call.headers['x-amz-tagging']) : source.object.tags,
    partSizes: [],
  }));
  if (replaced) await deps.files.remove([replaced]);
  return { xml: xmlDocument('CopyObjectResult', { ETag: etag, LastModified: lastModified }) };
}
