import { NoSuchKey, InvalidArgument } from '../../errors/s3-errors.js';
import { AwsError } from '../../errors/aws-error.js';
import type { S3Result } from './s3-call.js';
import { objectResponseHeaders } from './object-headers.js';
import type { S3Env } from './operation.js';
import { checkPreconditions, parseRange, requestConditions } from './preconditions.js';
import { checksumOnRead } from './checksum-headers.js';

/** GetObject and HeadObject: conditional headers, Range (206) or partNumber, response-* overrides. */
export async function getObject(env: S3Env, head = false): Promise<S3Result> {
  const { deps, call, bucket, key } = env;
  const o = await deps.s3.getObject(bucket.name, key);
  if (!o) throw NoSuchKey();
  try {
    checkPreconditions(o, requestConditions(call.headers));
  } catch (e) {
    // A 304 still carries the validators (RFC 7232 §4.1).
    if (e instanceof AwsError && e.status === 304) Object.assign(e, { headers: { etag: o.etag, 'last-modified': o.lastModified.toUTCString() } });
    throw e;
  }
  const headers = objectResponseHeaders(o, call.query);
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
  if (range === undefined) {
    Object.assign(headers, checksumOnRead(o, call.headers, true));
    return { headers, contentLength: o.size, ...(head || o.size === 0 ? {} : { stream: open(env, o.fileId) }) };
  }
  headers['content-range'] = `bytes ${range.start}-${range.end}/${o.size}`;
  const length = range.end - range.start + 1;
  return { status: 206, headers, contentLength: length, ...(head || length === 0 ? {} : { stream: open(env, o.fileId, range.start, range.end) }) };
}

/** An object deleted or overwritten between reading its metadata and opening its file is gone: NoSuchKey. */
function open({ deps }: S3Env, fileId: string, start?: number, end?: number) {
  try {
    return deps.files.read(fileId, start, end);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw NoSuchKey();
    throw e;
  }
}
