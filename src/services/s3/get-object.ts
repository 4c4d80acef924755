import { NoSuchKey, InvalidArgument } from '../../errors/s3-errors.js';
import { AwsError } from '../../errors/aws-error.js';
import type { S3Result } from './s3-call.js';
import { objectResponseHeaders } from './object-headers.js';
import type { S3Env } from './operation.js';
import { checkPreconditions, parseRange, requestConditions } from './preconditions.js';
import { keysOfObject, readObject } from './sse/object-io.js';
import { sseResponseHeaders } from './sse/object-keys.js';
import { refuseSseHeadersOnRead } from './sse/sse-settings.js';
import { checkCustomerKeyForHead, customerKeyOf } from './sse/customer-objects.js';
import { checksumOnRead } from './checksum-headers.js';

/** GetObject and HeadObject: conditional headers, Range (206) or partNumber, response-* overrides. */
export async function getObject(env: S3Env, head = false): Promise<S3Result> {
  const { deps, call, bucket, key } = env;
  const o = await deps.s3.getObject(bucket.name, key);
  if (!o) throw NoSuchKey();
  refuseSseHeadersOnRead(call.headers);
  const customer = customerKeyOf(env);
  try {
    checkPreconditions(o, requestConditions(call.headers));
  } catch (e) {
    // A 304 still carries the validators (RFC 7232 §4.1).
    if (e instanceof AwsError && e.status === 304) Object.assign(e, { headers: { etag: o.etag, 'last-modified': o.lastModified.toUTCString() } });
    throw e;
  }
  const headers = { ...objectResponseHeaders(o, call.query), ...sseResponseHeaders(o.encryption) };
  let range: { start: number; end: number } | undefined;
  const partNumber = call.query.get('partNumber');
  if (partNumber !== undefined) {
    const n = Number(partNumber);
    const sizes = o.partSizes.length > 0 ? o.partSizes : [o.size];
    if (!Number.isInteger(n) || n < 1 || n > 10000) throw InvalidArgument('Part number must be an integer between 1 and 10000, inclusive');
    if (n > sizes.length) throw Object.assign(new AwsError('InvalidPartNumber', 'The requested partnumber is not satisfiable', 416), {});
    const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
    range = { start, end: start + sizes[n - 1]! - 1 };
  } else {
    try {
      range = parseRange(call.headers['range'], o.size);
    } catch (e) {
      Object.assign(e as object, { headers: { 'content-range': `bytes */${o.size}` } });
      throw e;
    }
  }
  // GetObject of an SSE-KMS object calls Decrypt as the caller, even for an empty body (a denial is 403);
  // HeadObject needs only s3:GetObject (S3 API Reference, HeadObject, "Permissions"): no KMS call.
  // SSE-C: the same key as the object's on GET and HEAD (missing 400, other 403, not applicable 400).
  if (head || !o.encryption) checkCustomerKeyForHead(deps, bucket, key, o.encryption, customer);
  const keys = head || !o.encryption ? undefined : await keysOfObject(env, bucket, o, customer);
  const open = async (start: number, end: number) => {
    if (end < start) {
      keys?.wipe();
      return {};
    }
    // An object deleted or overwritten between reading its metadata and opening its file is NoSuchKey (readObject).
    return { stream: await readObject(env, bucket, o, start, end, keys) };
  };
  if (range === undefined) {
    Object.assign(headers, checksumOnRead(o, call.headers, true));
    return { headers, contentLength: o.size, ...(head ? {} : await open(0, o.size - 1)) };
  }
  headers['content-range'] = `bytes ${range.start}-${range.end}/${o.size}`;
  const length = range.end - range.start + 1;
  return { status: 206, headers, contentLength: length, ...(head ? {} : await open(range.start, range.end)) };
}
