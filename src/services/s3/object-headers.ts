/**
 * The headers an object is stored with and answered with (S3 API Reference, PutObject and
 * GetObject): Content-Type/-Encoding/-Disposition/-Language, Cache-Control, Expires and the
 * user metadata `x-amz-meta-*`.
 */
import { createHash } from 'node:crypto';
import { InvalidArgument, s3Error } from '../../errors/s3-errors.js';
import type { S3Object, S3ObjectHeaders } from '../../store/s3-ports.js';

/** User-defined metadata is limited to 2 KB (S3 User Guide, "Working with object metadata"). */
const MAX_USER_METADATA_BYTES = 2048;

export function storedHeaders(headers: Record<string, string>): S3ObjectHeaders {
  const userMetadata: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const key = name.slice('x-amz-meta-'.length);
    userMetadata[key] = value;
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (size > MAX_USER_METADATA_BYTES) {
    throw s3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.');
  }
  const h: S3ObjectHeaders = { userMetadata };
  if (headers['content-type'] !== undefined) h.contentType = headers['content-type'];
  if (headers['content-encoding'] !== undefined) h.contentEncoding = headers['content-encoding'];
  if (headers['content-disposition'] !== undefined) h.contentDisposition = headers['content-disposition'];
  if (headers['content-language'] !== undefined) h.contentLanguage = headers['content-language'];
  if (headers['cache-control'] !== undefined) h.cacheControl = headers['cache-control'];
  if (headers['expires'] !== undefined) h.expires = headers['expires'];
  return h;
}

/** S3's Last-Modified and Date form (RFC 7231 IMF-fixdate). */
export const httpDate = (d: Date) => d.toUTCString();

/** Response headers of GetObject/HeadObject, with response-* query overrides applied. */
export function objectResponseHeaders(o: S3Object, query: Map<string, string>): Record<string, string> {
  const h = o.headers;
  const out: Record<string, string> = {
    etag: o.etag,
    'last-modified': httpDate(o.lastModified),
    'accept-ranges': 'bytes',
    'content-type': h.contentType ?? 'binary/octet-stream',
  };
  if (h.contentEncoding !== undefined) out['content-encoding'] = h.contentEncoding;
  if (h.contentDisposition !== undefined) out['content-disposition'] = h.contentDisposition;
  if (h.contentLanguage !== undefined) out['content-language'] = h.contentLanguage;
  if (h.cacheControl !== undefined) out['cache-control'] = h.cacheControl;
  if (h.expires !== undefined) out['expires'] = h.expires;
  for (const [k, v] of Object.entries(h.userMetadata)) out[`x-amz-meta-${k}`] = v;
  if (o.partSizes.length > 0) out['x-amz-mp-parts-count'] = String(o.partSizes.length);
  if (o.tags.length > 0) out['x-amz-tagging-count'] = String(o.tags.length);
  // GetObject's response-* parameters override the stored headers (S3 API Reference, GetObject).
  const overrides: Record<string, string> = {
    'response-content-type': 'content-type',
    'response-content-language': 'content-language',
    'response-expires': 'expires',
    'response-cache-control': 'cache-control',
    'response-content-disposition': 'content-disposition',
    'response-content-encoding': 'content-encoding',
  };
  for (const [param, header] of Object.entries(overrides)) {
    const v = query.get(param);
    if (v === undefined) continue;
    // Only what an HTTP field value may carry (RFC 9110 §5.5).
    if (/[^\t\x20-\x7e\x80-\xff]/.test(v)) throw InvalidArgument(`Invalid value for ${param}`);
    out[header] = v;
  }
  return out;
}

/** Content-MD5 (base64, RFC 1864) against the body's MD5: InvalidDigest when malformed, BadDigest when different. */
export function checkContentMd5(declared: string | undefined, md5: Buffer): void {
  if (declared === undefined) return;
  const given = Buffer.from(declared, 'base64');
  if (given.length !== 16 || given.toString('base64') !== declared.trim()) {
    throw s3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.');
  }
  if (!given.equals(md5)) throw s3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
}

export const quotedMd5 = (md5: Buffer) => `"${md5.toString('hex')}"`;

/** Multipart ETag: md5 of the concatenated binary part MD5s, then "-N" (S3 User Guide, "Checking object integrity"). */
export function multipartEtag(partEtags: string[]): string {
  const h = createHash('md5');
  for (const e of partEtags) h.update(Buffer.from(e.replace(/"/g, ''), 'hex'));
  return `"${h.digest('hex')}-${partEtags.length}"`;
}

/** Keys are at most 1,024 bytes of UTF-8 (S3 User Guide, "Naming Amazon S3 objects"). */
export function checkKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > 1024) throw s3Error('KeyTooLongError', 'Your key is too long');
}

/** Tagging as `k1=v1&k2=v2` (x-amz-tagging header). */
export function tagsFromHeader(v: string | undefined): Array<{ Key: string; Value: string }> {
  if (!v) return [];
  return [...new URLSearchParams(v)].map(([Key, Value]) => ({ Key, Value }));
}
