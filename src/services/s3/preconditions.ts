/**
 * Conditional requests (RFC 7232 §6 evaluation order; S3 API Reference, GetObject and CopyObject):
 * If-Match, then If-Unmodified-Since (ignored when If-Match is present), then If-None-Match, then
 * If-Modified-Since (ignored when If-None-Match is present).
 */
import { AwsError } from '../../errors/aws-error.js';
import { s3Error } from '../../errors/s3-errors.js';
import type { S3Object } from '../../store/s3-ports.js';

const preconditionFailed = () => s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
const notModified = () => new AwsError('NotModified', 'Not Modified', 304);

const etagMatches = (list: string, etag: string) =>
  list.split(',').map((s) => s.trim()).some((t) => t === '*' || t === etag || `"${t}"` === etag || t.replace(/^W\//, '') === etag);

const parseDate = (v: string | undefined) => {
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
};

/** Last-Modified compared at whole seconds, as HTTP dates carry them. */
const seconds = (d: Date) => Math.floor(d.getTime() / 1000) * 1000;

interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/** GetObject/HeadObject: 412 PreconditionFailed or 304 Not Modified. */
export function checkPreconditions(o: S3Object, c: Conditions, copySource = false): void {
  const modified = seconds(o.lastModified);
  if (c.ifMatch !== undefined && !etagMatches(c.ifMatch, o.etag)) throw preconditionFailed();
  const unmodifiedSince = parseDate(c.ifUnmodifiedSince);
  if (c.ifMatch === undefined && unmodifiedSince !== undefined && modified > unmodifiedSince) throw preconditionFailed();
  if (c.ifNoneMatch !== undefined && etagMatches(c.ifNoneMatch, o.etag)) throw copySource ? preconditionFailed() : notModified();
  const modifiedSince = parseDate(c.ifModifiedSince);
  if (c.ifNoneMatch === undefined && modifiedSince !== undefined && modified <= modifiedSince) throw copySource ? preconditionFailed() : notModified();
}

export function requestConditions(h: Record<string, string>, prefix = ''): Conditions {
  return {
    ifMatch: h[`${prefix}if-match`],
    ifNoneMatch: h[`${prefix}if-none-match`],
    ifModifiedSince: h[`${prefix}if-modified-since`],
    ifUnmodifiedSince: h[`${prefix}if-unmodified-since`],
  };
}

/**
 * A single byte range (RFC 7233 §2.1): `bytes=a-b`, `bytes=a-`, `bytes=-n`. Syntactically invalid
 * or multi-range headers are ignored (the whole object is answered); an unsatisfiable one is
 * InvalidRange (416).
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const unsatisfiable = () => {
    const e = s3Error('InvalidRange', 'The requested range is not satisfiable');
    return Object.assign(e, { size });
  };
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined; // RFC 7233: last < first is invalid syntax
  if (start >= size) throw unsatisfiable();
  return { start, end };
}
