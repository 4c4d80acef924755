import { InvalidArgument, InvalidRequest, NoSuchBucket } from '../../errors/s3-errors.js';
import { xmlDocument } from './s3-xml.js';
import { copySource } from './copy-source.js';
import { checkKey, quotedMd5, storedHeaders, tagsFromHeader } from './object-headers.js';
import { commitWritten, refuseEncryptionHeaders } from './object-body.js';
import { MAX_PUT_BYTES, type S3Env } from './operation.js';
import { checksumElements, hashingTap } from './checksum-headers.js';
import { requestedAlgorithm } from './multipart-checksums.js';

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
  // The copy's checksum (S3 User Guide, "Checking object integrity", copies): the requested
  // algorithm's, else the source's algorithm, computed over the copied bytes (so FULL_OBJECT).
  const header = call.headers['x-amz-checksum-algorithm'];
  const algorithm = header !== undefined ? requestedAlgorithm(header) : source.object.checksum?.algorithm;
  const bytes = deps.files.read(source.object.fileId);
  const tap = algorithm ? hashingTap(algorithm, bytes) : undefined;
  const written = await deps.files.write(tap?.body ?? bytes, MAX_PUT_BYTES, { sha256: false });
  const checksum = tap && algorithm ? { algorithm, value: tap.hasher.digest().toString('base64'), type: 'FULL_OBJECT' as const } : undefined;
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
    ...(checksum ? { checksum } : {}),
  }));
  if (replaced) await deps.files.remove([replaced]);
  return {
    xml: xmlDocument('CopyObjectResult', { ETag: etag, LastModified: lastModified, ...(checksum ? { ChecksumType: checksum.type } : {}), ...checksumElements(checksum) }),
  };
}
