/**
 * The S3 row of the request pipeline: requests whose SigV4 credential scope names `s3`. Unlike the
 * JSON and query services, the body is not read up front: PutObject and UploadPart stream it to a
 * file (up to 5 GiB), and the signed payload hash is checked against what was written before the
 * object is committed. XML bodies are read whole, up to their own limit.
 */
import { createHash } from 'node:crypto';
import stream from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { firstHeader, UNSIGNED_PAYLOAD, parseQuery } from '../auth/sigv4-canonical.js';
import { awsChunkedDecoderFor, chunkSigningFor, isStreamingPayload, STREAMING_UNSIGNED_TRAILER } from '../auth/sigv4-streaming.js';
import { verifySigV4, SIGNATURE_MISMATCH_MESSAGE, type SigningKeyCache, CONTENT_SHA256_MISMATCH_MESSAGE, type HttpRequestParts, type ParsedSigV4 } from '../auth/sigv4.js';
import { AwsError } from '../errors/aws-error.js';
import { s3Error } from '../errors/s3-errors.js';
import { addressOf, InvalidURI, operationOf, type S3Body, type S3Call, type S3Result } from '../protocols/rest-xml.js';
import type { CallContext, Principal } from '../domain/call-context.js';
import type { S3Service } from '../services/s3/s3-service.js';
import type { ConnectionGuard } from './connection-guard.js';
import type { S3CallFacts } from '../audit/api-call.js';
import type { WireResponse } from '../protocols/aws-json.js';
import { restXmlError } from '../protocols/rest-xml.js';
import type { Clock } from '../util/clock.js';
import type { Random } from '../crypto/random.js';
import { readBody } from './read-body.js';

/** A response whose body is streamed (GetObject) or only announced (HeadObject). */
export type S3WireResponse = WireResponse & { stream?: S3Result['stream']; contentLength?: number };

export interface S3RouteDeps {
  s3: S3Service;
  now: () => Date;
  skewMs?: number;
  connections?: ConnectionGuard;
  /** The server's derived SigV4 signing keys. */
  signingKeys?: SigningKeyCache;
  /** The caller behind an access key (throws the pipeline's UnrecognizedClientException when unknown). */
  authenticate(signed: ParsedSigV4): Promise<{ principal: Principal; secretAccessKey: string }>;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** The S3 call a request names (bucket, key, operation), before authentication. */
export function decodeS3Call(req: IncomingMessage, parts: HttpRequestParts, body: S3Body): S3Call {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headersDistinct)) if (v && v[0] !== undefined) headers[k] = v[0];
  const query = new Map<string, string>();
  for (const [k, v] of parseQuery(parts.rawQuery)) {
    const name = k.toString('utf8');
    if (!query.has(name)) query.set(name, v.toString('utf8'));
  }
  // Unverified: S3's answer for %00 in a parameter (prefix, marker, …); no store can compare NUL.
  for (const v of query.values()) if (v.includes('\u0000')) throw InvalidURI();
  const { bucket, key } = addressOf(parts.rawPath, headers.host);
  const operation = operationOf(parts.method, bucket, key, query, headers);
  return { operation, ...(bucket !== undefined ? { bucket } : {}), ...(key !== undefined ? { key } : {}), query, headers, body };
}

/** The payload hash a request declares: header form must send one; presigned URLs are unsigned-payload. */
function declaredPayloadHash(signed: ParsedSigV4, parts: HttpRequestParts): string {
  const fromQuery = signed.form === 'query' ? parseQuery(parts.rawQuery).find(([n]) => n.toString('utf8').toLowerCase() === 'x-amz-content-sha256') : undefined;
  const declared = fromQuery ? fromQuery[1].toString('utf8') : firstHeader(parts.headers, 'x-amz-content-sha256');
  if (declared === undefined) {
    if (signed.form === 'query') return UNSIGNED_PAYLOAD;
    throw s3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  const value = declared.trim();
  if (isStreamingPayload(value)) return value;
  if (value.startsWith('STREAMING-')) {
    throw s3Error('NotImplemented', `A header you provided implies functionality that is not implemented (x-amz-content-sha256: ${value}).`);
  }
  if (value !== UNSIGNED_PAYLOAD && !HEX_SHA256.test(value.toLowerCase())) {
    throw s3Error('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.');
  }
  return value.toLowerCase() === UNSIGNED_PAYLOAD.toLowerCase() ? UNSIGNED_PAYLOAD : value.toLowerCase();
}

/** SigV4 failures in S3's terms (S3 API Reference, "Error responses"). */
export function s3AuthError(e: unknown, signed: ParsedSigV4 | undefined): unknown {
  if (!(e instanceof AwsError)) return e;
  if (e.code === 'UnrecognizedClientException' || e.code === 'InvalidClientTokenId') {
    return s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  }
  if (e.code === 'InvalidSignatureException' || e.code === 'IncompleteSignatureException') {
    if (e.message === SIGNATURE_MISMATCH_MESSAGE) {
      return s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    if (e.message === CONTENT_SHA256_MISMATCH_MESSAGE) return s3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    if (/^Signature (expired|not yet current)/.test(e.message)) {
      if (signed?.form === 'query') return s3Error('AccessDenied', 'Request has expired');
      return s3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    }
    return s3Error('AuthorizationHeaderMalformed', e.message);
  }
  if (e.code === 'MissingAuthenticationTokenException') return s3Error('AccessDenied', 'Access Denied');
  return e;
}

/** A body sent as is: its SHA-256 is checked against the signed payload hash once written. */
function plainBody(req: IncomingMessage, declared: string, connections: ConnectionGuard | undefined): S3Body {
  const contentLength = req.headers['content-length'];
  return {
    ...(contentLength !== undefined ? { declaredLength: Number(contentLength) } : {}),
    stream: () => req,
    needsSha256: declared !== UNSIGNED_PAYLOAD,
    verify(sha256) {
      if (declared !== UNSIGNED_PAYLOAD && sha256.toString('hex') !== declared) {
        throw s3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
    },
    async readAll(limit) {
      let bytes: Buffer;
      try {
        bytes = await readBody(req, limit, connections);
      } catch (e) {
        if (e instanceof AwsError && e.status === 413) throw s3Error('MaxMessageLengthExceeded', 'Your request was too big.');
        throw e;
      }
      this.verify(createHash('sha256').update(bytes).digest());
      return bytes;
    },
  };
}

/**
 * An aws-chunked body (STREAMING-*): decoded as it streams, every chunk signature checked in a
 * chain and the trailing checksum verified (sigv4-streaming.ts; a sealed S3 write digests the body
 * itself and compares its digest with the trailer's value, deferTrailingChecksum); a failure errors
 * the stream or the write, so the object file being written is discarded and nothing is committed.
 */
function chunkedBody(req: IncomingMessage, signed: ParsedSigV4, secretAccessKey: string, signingKeys?: SigningKeyCache): S3Body {
  const mode = firstHeader(req.headersDistinct, 'x-amz-content-sha256')?.trim();
  const decoder = awsChunkedDecoderFor(req.headers, mode === STREAMING_UNSIGNED_TRAILER ? undefined : chunkSigningFor(signed, secretAccessKey, signingKeys));
  const decoded = stream.pipeline(req, decoder, () => undefined);
  return {
    declaredLength: Number(firstHeader(req.headersDistinct, 'x-amz-decoded-content-length')),
    stream: () => decoded,
    needsSha256: false,
    verify() {
      // Verified chunk by chunk by the decoder.
    },
    trailingChecksum: () => decoder.checksum,
    deferTrailingChecksum: () => decoder.deferChecksum(),
    async readAll(limit) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of decoded) {
        size += (chunk as Buffer).length;
        if (size > limit) throw s3Error('MaxMessageLengthExceeded', 'Your request was too big.');
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks, size);
    },
  };
}

/** Authenticates an S3 request (signature over the declared payload hash) and serves it; `signed` undefined: anonymous. */
export async function serveS3(
  deps: S3RouteDeps, req: IncomingMessage, parts: HttpRequestParts, signed: ParsedSigV4 | undefined, base: Omit<CallContext, 'principal' | 'account' | 'region'>,
  onCall: (call: S3Call) => void, onPrincipal: (p: Principal) => void,
): Promise<S3Result> {
  if (signed === undefined) return serveAnonymous(deps, req, parts, base, onCall, onPrincipal);
  const declared = declaredPayloadHash(signed, parts);
  const streaming = isStreamingPayload(declared);
  let caller: { principal: Principal; secretAccessKey: string };
  try {
    caller = await deps.authenticate(signed);
    onPrincipal(caller.principal);
    verifySigV4(signed, parts, caller.secretAccessKey, {
      now: deps.now(),
      ...(deps.skewMs !== undefined ? { skewMs: deps.skewMs } : {}),
      payloadSha256Hex: declared === UNSIGNED_PAYLOAD || streaming ? '' : declared,
      allowUnsignedPayload: true,
      allowStreamingPayload: true,
      signingKeyCache: deps.signingKeys,
    });
  } catch (e) {
    throw s3AuthError(e, signed);
  }
  const body = streaming ? chunkedBody(req, signed, caller.secretAccessKey, deps.signingKeys) : plainBody(req, declared, deps.connections);
  // Before the body streams in: an authenticated upload is not evicted as an idle stranger.
  deps.connections?.authenticated(req.socket);
  const call = decodeS3Call(req, parts, body);
  onCall(call);
  if ((call.operation === 'PutObject' || call.operation === 'UploadPart') && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    throw s3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  const ctx: CallContext = { ...base, principal: caller.principal, account: caller.principal.account, region: signed.region };
  return deps.s3.serve(ctx, call);
}

/**
 * An unsigned request (no SigV4 at all): the anonymous principal, whom only a bucket policy naming
 * Principal "*" admits (authorize.ts); its body is taken as sent (no payload hash to check).
 */
async function serveAnonymous(
  deps: S3RouteDeps, req: IncomingMessage, parts: HttpRequestParts, base: Omit<CallContext, 'principal' | 'account' | 'region'>,
  onCall: (call: S3Call) => void, onPrincipal: (p: Principal) => void,
): Promise<S3Result> {
  onPrincipal(ANONYMOUS);
  const call = decodeS3Call(req, parts, plainBody(req, UNSIGNED_PAYLOAD, deps.connections));
  onCall(call);
  if ((call.operation === 'PutObject' || call.operation === 'UploadPart') && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    throw s3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  return deps.s3.serve({ ...base, principal: ANONYMOUS, account: ANONYMOUS.account, region: ANONYMOUS_REGION }, call);
}

/** The caller of an unsigned request (CloudTrail: ANONYMOUS_PRINCIPAL; Unverified: the exact userIdentity S3 records). */
const ANONYMOUS: Principal = { type: 'Anonymous', arn: '', account: 'ANONYMOUS_PRINCIPAL', userId: 'ANONYMOUS_PRINCIPAL', accessKeyId: '' };
/** An unsigned request names no region; only CreateBucket would use it, and anonymous callers cannot create buckets. */
const ANONYMOUS_REGION = 'us-east-1';

/** No Authorization header and no presigned X-Amz-Signature / X-Amz-Credential: a request with no SigV4 at all. */
export function isUnsignedRequest(parts: HttpRequestParts): boolean {
  return firstHeader(parts.headers, 'authorization') === undefined && !/(^|&)X-Amz-(Signature|Credential|Algorithm)=/i.test(parts.rawQuery);
}

/** S3's POST operations (DeleteObjects, Create/CompleteMultipartUpload) name a subresource KMS and STS never use. */
export const isS3Post = (parts: HttpRequestParts): boolean =>
  parts.method === 'POST' && firstHeader(parts.headers, 'x-amz-target') === undefined && /(^|&)(delete|uploads|uploadId)(=|&|$)/.test(parts.rawQuery);

/** Who made an S3 call and from where, as the pipeline knows it before the row runs. */
export interface S3RequestFacts {
  requestId: string;
  sourceIp: string;
  userAgent: string;
  secureTransport: boolean;
}

/** What serving an S3 call came to: its response or error, and what its record needs, as far as it got. */
export interface S3Outcome {
  response?: S3WireResponse;
  error?: unknown;
  principal?: Principal;
  operation?: string;
  s3?: S3CallFacts;
}

/** The S3 row of the route table: authenticates (or not: anonymous) and serves, streaming the body. */
export interface S3Row {
  readonly service: 's3';
  serve(req: IncomingMessage, parts: HttpRequestParts, signed: ParsedSigV4 | undefined, facts: S3RequestFacts): Promise<S3Outcome>;
}

export function s3Row(env: S3RouteDeps & { clock: Clock; random: Random }): S3Row {
  return { service: 's3', serve: (req, parts, signed, facts) => serveS3Call(env, req, parts, signed, facts) };
}

/** S3: authenticated (or anonymous, `signed` undefined) and served (the body is streamed, not read here). */
async function serveS3Call(env: S3RouteDeps & { clock: Clock; random: Random }, req: IncomingMessage, parts: HttpRequestParts, signed: ParsedSigV4 | undefined, facts: S3RequestFacts): Promise<S3Outcome> {
  const s3 = env.s3;
  const base = { sourceIp: facts.sourceIp, secureTransport: facts.secureTransport, userAgent: facts.userAgent, requestId: facts.requestId, clock: env.clock, random: env.random };
  let principal: Principal | undefined;
  let operation: string | undefined;
  let callFacts: S3CallFacts | undefined;
  const onCall = (call: S3Call) => {
    operation = call.operation;
    const host = req.headers.host;
    callFacts = {
      region: signed?.region ?? ANONYMOUS_REGION, dataEvent: s3.isDataEvent(call.operation),
      ...(call.bucket !== undefined ? { bucket: call.bucket } : {}), ...(call.key !== undefined ? { key: call.key } : {}), ...(host ? { host } : {}),
    };
  };
  let result: S3Result | undefined;
  let error: unknown;
  try {
    result = await serveS3(env, req, parts, signed, base, onCall, (p) => (principal = p));
  } catch (e) {
    error = e;
  }
  // The bucket owner gets a copy of a cross-account call's record.
  const facts3 = callFacts as S3CallFacts | undefined;
  if (facts3?.bucket !== undefined) {
    const owner = await s3.bucketOwner(facts3.bucket).catch(() => undefined);
    if (owner !== undefined) facts3.bucketAccount = owner;
  }
  const known = { ...(principal ? { principal } : {}), ...(operation !== undefined ? { operation } : {}), ...(facts3 ? { s3: facts3 } : {}) };
  if (result === undefined) return { ...known, error };
  const headers: Record<string, string> = { 'x-amz-request-id': facts.requestId, 'x-amz-id-2': facts.requestId };
  if (result.xml !== undefined) headers['content-type'] = 'application/xml';
  Object.assign(headers, result.headers);
  const response: S3WireResponse = { status: result.status ?? 200, headers, body: result.xml ?? '' };
  if (result.stream) response.stream = result.stream;
  if (result.contentLength !== undefined) response.contentLength = result.contentLength;
  return { ...known, response };
}

/** S3's XML error, with the headers an error carries (Content-Range of InvalidRange, validators of a 304). */
export function s3ErrorResponse(error: AwsError, requestId: string, method: string): WireResponse {
  const r = restXmlError(error, requestId, method);
  const extra = (error as AwsError & { headers?: Record<string, string> }).headers;
  return { ...r, headers: { ...r.headers, ...extra } };
}

