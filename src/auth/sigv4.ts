/**
 * AWS Signature Version 4 verification (server side), header and presigned-query forms.
 * Phase 1, parseSigV4 (sigv4-parse.ts): syntax, credential scope, required signed headers.
 * Phase 2, verifySigV4 (here): clock, payload hash, signature — after the caller found the secret.
 * AWS General Reference, "Signature Version 4 signing process".
 */
import { timingSafeEqual } from 'node:crypto';
import { IncompleteSignatureException, InvalidSignatureException } from '../errors/aws-error.js';
import {
  SigningKeyCache,
  UNSIGNED_PAYLOAD,
  canonicalRequestData,
  credentialScope,
  deriveSigningKey,
  firstHeader,
  parseQuery,
  signatureBytes,
  stringToSign,
} from './sigv4-canonical.js';
import { formatAmzDate, parseAmzDate, type HttpRequestParts, type ParsedSigV4 } from './sigv4-parse.js';
import { isStreamingPayload } from './sigv4-streaming.js';

export {
  parseSigV4,
  parseAmzDate,
  formatAmzDate,
  MAX_PRESIGNED_EXPIRES_SECONDS,
  MISSING_AUTHENTICATION_TOKEN_MESSAGE,
  type HttpRequestParts,
  type ParsedSigV4,
} from './sigv4-parse.js';
export { SigningKeyCache, deriveSigningKey } from './sigv4-canonical.js';

export interface VerifyOptions {
  now: Date; // injected clock (never read Date.now())
  skewMs?: number; // default: the service's window (signatureWindowMs)
  payloadSha256Hex: string; // sha256 of the actual body, computed by the caller
  allowUnsignedPayload?: boolean; // default false (only S3 will set it later)
  /** S3: accept the STREAMING-* literals (aws-chunked bodies, checked by sigv4-streaming.ts). */
  allowStreamingPayload?: boolean;
  /** Derived-key cache, owned by the server; without one the key is derived for this request. */
  signingKeyCache?: SigningKeyCache;
}

export const DEFAULT_SKEW_MS = 15 * 60 * 1000;

/**
 * How far a header-signed request's X-Amz-Date may be from the service's clock, per service, as
 * AWS answers: KMS 5 minutes ("Signature expired: … (… - 5 min.)", recorded for KMS Encrypt/Decrypt
 * in aws/aws-sdk-js-v3#6400), S3 15 minutes (S3 API, "Authenticating Requests (AWS Signature
 * Version 4)"), STS 15 minutes (recorded in aws/aws-cli#6676 for GetCallerIdentity).
 */
const SIGNATURE_WINDOW_MS: Record<string, number> = {
  kms: 5 * 60 * 1000,
  s3: 15 * 60 * 1000,
  sts: 15 * 60 * 1000,
  // Unverified: no recorded IAM or CloudTrail answer found; the awsQuery services' (STS) 15 minutes.
  iam: 15 * 60 * 1000,
  cloudtrail: 15 * 60 * 1000,
};

/** The request-time window of a service (DEFAULT_SKEW_MS for one not in the table). */
export const signatureWindowMs = (service: string): number => SIGNATURE_WINDOW_MS[service] ?? DEFAULT_SKEW_MS;
export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const CONTENT_SHA256_MISMATCH_MESSAGE =
  "The provided 'x-amz-content-sha256' header does not match what was computed.";
/** For the caller: unknown or inactive access key id → UnrecognizedClientException with this text. */
export const UNRECOGNIZED_CLIENT_MESSAGE = 'The security token included in the request is invalid.';

const duration = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} sec`);

/**
 * Request time against the clock (whole seconds). Header form: |now − X-Amz-Date| ≤ skew (the
 * service's window unless given).
 * Presigned: now ≤ X-Amz-Date + X-Amz-Expires, and X-Amz-Date ≤ now + skew.
 * Exported so a caller may check time before the key lookup, as AWS orders its errors.
 */
export function checkSigV4Time(parsed: ParsedSigV4, now: Date, skewMs: number = signatureWindowMs(parsed.service)): void {
  const requestMs = parseAmzDate(parsed.amzDate);
  if (requestMs === undefined) {
    throw IncompleteSignatureException(
      `Date must be in ISO-8601 'basic format'. Got '${parsed.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  const nowMs = Math.floor(now.getTime() / 1000) * 1000;
  const window = parsed.form === 'query' ? (parsed.expiresSeconds ?? 0) * 1000 : skewMs;
  if (requestMs < nowMs - window) {
    throw InvalidSignatureException(
      `Signature expired: ${parsed.amzDate} is now earlier than ${formatAmzDate(nowMs - window)} ` +
        `(${formatAmzDate(nowMs)} - ${duration(window)}.)`,
    );
  }
  if (requestMs > nowMs + skewMs) {
    throw InvalidSignatureException(
      `Signature not yet current: ${parsed.amzDate} is still later than ${formatAmzDate(nowMs + skewMs)} ` +
        `(${formatAmzDate(nowMs)} + ${duration(skewMs)}.)`,
    );
  }
}

/**
 * The payload hash that goes into the canonical request. A declared x-amz-content-sha256 (header, or
 * the hoisted query parameter of a presigned URL) must be the real body hash, or UNSIGNED-PAYLOAD where
 * the caller allows it. Presigned S3 URLs without one are unsigned-payload (S3 API, "Authenticating
 * Requests: Using Query Parameters"); every other request signs the body hash.
 */
function payloadHashFor(parsed: ParsedSigV4, req: HttpRequestParts, opts: VerifyOptions): string {
  const fromQuery =
    parsed.form === 'query'
      ? parseQuery(req.rawQuery).find(([n]) => n.toString('utf8').toLowerCase() === 'x-amz-content-sha256')
      : undefined;
  const declared = fromQuery ? fromQuery[1].toString('utf8') : firstHeader(req.headers, 'x-amz-content-sha256');
  const allowUnsigned = opts.allowUnsignedPayload === true;
  if (declared === undefined) {
    return parsed.form === 'query' && parsed.service === 's3' && allowUnsigned ? UNSIGNED_PAYLOAD : opts.payloadSha256Hex;
  }
  const value = declared.trim();
  if (value === UNSIGNED_PAYLOAD && allowUnsigned) return value;
  if (opts.allowStreamingPayload === true && parsed.form === 'header' && isStreamingPayload(value)) return value;
  if (value.toLowerCase() === opts.payloadSha256Hex.toLowerCase()) return value;
  throw InvalidSignatureException(CONTENT_SHA256_MISMATCH_MESSAGE);
}

/** Throws unless `parsed` (from parseSigV4(req)) is a valid, current signature by `secretAccessKey`. */
export function verifySigV4(
  parsed: ParsedSigV4,
  req: HttpRequestParts,
  secretAccessKey: string,
  opts: VerifyOptions,
): void {
  checkSigV4Time(parsed, opts.now, opts.skewMs ?? signatureWindowMs(parsed.service));
  const payloadHash = payloadHashFor(parsed, req, opts);
  const s3 = parsed.service === 's3'; // S3 signs the URI path encoded once and unnormalized
  const canonical = canonicalRequestData({ req, signedHeaders: parsed.signedHeaders, payloadHash, s3 });
  const scope = credentialScope(parsed.scopeDate, parsed.region, parsed.service);
  const key = opts.signingKeyCache
    ? opts.signingKeyCache.signingKey(secretAccessKey, parsed.scopeDate, parsed.region, parsed.service)
    : deriveSigningKey(secretAccessKey, parsed.scopeDate, parsed.region, parsed.service);
  const expected = signatureBytes(key, stringToSign(parsed.amzDate, scope, canonical));
  // Lower-case hex as signers emit it; compared in constant time on equal-length buffers.
  const provided = /^[0-9a-f]{64}$/.test(parsed.signature) ? Buffer.from(parsed.signature, 'hex') : undefined;
  if (provided === undefined || !timingSafeEqual(provided, expected)) {
    throw InvalidSignatureException(SIGNATURE_MISMATCH_MESSAGE);
  }
}
