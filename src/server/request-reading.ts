import type { IncomingMessage } from 'node:http';
import type { HttpRequestParts, ParsedSigV4 } from '../auth/sigv4.js';
import { InvalidSignatureException } from '../errors/aws-error.js';

/** What the request pipeline reads off a request before routing it: its protocol, target and awsQuery input. */
/**
 * Before the credential scope is known (unsigned requests), the request's form tells the protocol:
 * a form body or an Action parameter is awsQuery, an X-Amz-Target or a POST is awsJson, any other
 * method is S3's REST (answered AccessDenied in S3's XML, as S3 answers anonymous requests).
 */
export function guessService(req: IncomingMessage, parts: HttpRequestParts): string {
  if ((header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded') || /(^|&)Action=/.test(parts.rawQuery)) return 'sts';
  if (header(req, 'x-amz-target') === undefined && parts.method !== 'POST') return 's3';
  return 'kms';
}

/** awsQuery parameters come in a POST body, or in the query string of a GET (e.g. presigned GetCallerIdentity). */
export function queryInput(parts: HttpRequestParts, body: Buffer): Buffer {
  return parts.method === 'GET' && body.length === 0 ? Buffer.from(parts.rawQuery, 'utf8') : body;
}

/**
 * Presigners hoist x-amz-* headers into the query string, X-Amz-Target included. The X-Amz-Target that names the operation must be covered by the signature: a header only when
 * it is a SignedHeader, the query form's parameter always is. Otherwise an unsigned header could
 * turn a presigned DescribeKey into a DisableKey.
 */
export function signedTarget(req: IncomingMessage, parts: HttpRequestParts, signed: ParsedSigV4): string | undefined {
  const fromHeader = header(req, 'x-amz-target');
  const fromQuery = queryParam(parts.rawQuery, 'X-Amz-Target');
  if (fromHeader !== undefined && !signed.signedHeaders.includes('x-amz-target')) {
    throw InvalidSignatureException("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    throw InvalidSignatureException('The X-Amz-Target header and query parameter disagree.');
  }
  return fromHeader ?? fromQuery;
}

function queryParam(rawQuery: string, name: string): string | undefined {
  if (rawQuery === '') return undefined;
  const wanted = name.toLowerCase();
  for (const [k, v] of new URLSearchParams(rawQuery)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
