import type { S3Part } from '../../store/s3-ports.js';
import { MalformedXML, NoSuchUpload, s3Error } from '../../errors/s3-errors.js';
import { commitWritten } from './object-body.js';
import { parseXmlBody, xmlDocument } from './s3-xml.js';
import { multipartEtag } from './object-headers.js';
import { MAX_XML_BODY_BYTES, type S3Env } from './operation.js';
import { uploadOf } from './upload-lookup.js';
import { sseResponseHeaders } from './sse/object-keys.js';
import { refuseSseHeaders } from './sse/sse-settings.js';
import { completedChecksum } from './multipart-checksums.js';
import { checksumElements } from './checksum-headers.js';

/** Every part but the last is at least 5 MiB (S3 User Guide, "Amazon S3 multipart upload limits"). */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const unquote = (e: string) => e.trim().replace(/^"|"$/g, '');

/**
 * CompleteMultipartUpload: the listed parts, in ascending order, each with its ETag, are joined
 * into the object (ETag md5(concat(part md5s))-N); the upload and its parts go in the same commit.
 */
export async function completeMultipartUpload(env: S3Env) {
  const { deps, ctx, call, bucket, key } = env;
  refuseSseHeaders(call.headers);
  const upload = await uploadOf(env);
  const tree = parseXmlBody(await call.body.readAll(MAX_XML_BODY_BYTES)).CompleteMultipartUpload;
  const listed: unknown[] = (typeof tree === 'object' && tree?.Part) || [];
  if (listed.length === 0) throw MalformedXML();
  const stored = new Map((await deps.s3.listParts(upload.uploadId)).map((p) => [p.partNumber, p]));
  const invalidPart = () =>
    s3Error('InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
  const chosen: S3Part[] = [];
  let previous = 0;
  for (const entry of listed) {
    const e = entry as { PartNumber?: unknown; ETag?: unknown };
    const n = Number(e.PartNumber);
    if (!Number.isInteger(n) || typeof e.ETag !== 'string') throw MalformedXML();
    if (n <= previous) throw s3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
    previous = n;
    const part = stored.get(n);
    if (!part || unquote(part.etag) !== unquote(e.ETag)) throw invalidPart();
    chosen.push(part);
  }
  for (const p of chosen.slice(0, -1)) {
    if (p.size < MIN_PART_BYTES) throw s3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
  }
  const checksum = completedChecksum(upload, listed as never, chosen, call.headers, invalidPart);
  // Encrypted parts are self-contained chunk segments: the object's file is their concatenation.
  const written = await deps.files.concat(chosen.map((p) => p.fileId));
  const size = chosen.reduce((n, p) => n + p.size, 0);
  const encryption = upload.encryption && { ...upload.encryption, partNumbers: chosen.map((p) => p.partNumber) };
  const etag = multipartEtag(chosen.map((p) => p.etag));
  const toRemove = await commitWritten(deps, [written.fileId], NoSuchUpload, () => deps.s3.completeUpload(upload.uploadId, {
    bucket: bucket.name, key, fileId: written.fileId, size: upload.encryption ? size : written.size, etag, lastModified: ctx.clock.now(),
    headers: upload.headers, tags: upload.tags, partSizes: chosen.map((p) => p.size), ...(encryption ? { encryption } : {}), ...(checksum ? { checksum } : {}),
  }));
  await deps.files.remove(toRemove);
  // SSE-C: S3 echoes the customer-key headers on every SSE-C response but CompleteMultipartUpload's (s3-sse-facts.md §1).
  return { headers: encryption?.customerKey ? {} : sseResponseHeaders(encryption), xml: xmlDocument('CompleteMultipartUploadResult', { Location: `/${bucket.name}/${encodeURIComponent(key)}`, Bucket: bucket.name, Key: key, ETag: etag,
    ...checksumElements(checksum), ...(checksum ? { ChecksumType: checksum.type } : {}),
  }) };
}
