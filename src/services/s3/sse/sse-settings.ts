/**
 * The server-side encryption a write asks for: the request's x-amz-server-side-encryption* headers
 * (S3 API Reference, PutObject / CopyObject / CreateMultipartUpload), or else the bucket's default
 * encryption (PutBucketEncryption), or else SSE-S3 — every object is encrypted (S3 User Guide,
 * "Setting default server-side encryption behavior": since January 5, 2023).
 */
import { InvalidArgument, s3Error } from '../../../errors/s3-errors.js';
import type { S3Bucket } from '../../../store/s3-ports.js';

export type SseAlgorithm = 'AES256' | 'aws:kms' | 'aws:kms:dsse';
export const SSE_ALGORITHMS: readonly string[] = ['AES256', 'aws:kms', 'aws:kms:dsse'];

export interface SseSettings {
  algorithm: SseAlgorithm;
  /** aws:kms / aws:kms:dsse: key id, key ARN, alias name or alias ARN; absent: alias/aws/s3. */
  kmsKeyId?: string;
  /** The caller's x-amz-server-side-encryption-context pairs (aws:s3:arn is added by S3). */
  callerContext?: Record<string, string>;
  bucketKeyEnabled: boolean;
}

export const H_SSE = 'x-amz-server-side-encryption';
export const H_KMS_KEY_ID = 'x-amz-server-side-encryption-aws-kms-key-id';
export const H_CONTEXT = 'x-amz-server-side-encryption-context';
export const H_BUCKET_KEY = 'x-amz-server-side-encryption-bucket-key-enabled';

const isKms = (a: string) => a === 'aws:kms' || a === 'aws:kms:dsse';

/** The settings the request's headers ask for, or undefined when it names no server-side encryption. */
export function requestedSse(headers: Record<string, string>): SseSettings | undefined {
  const algorithm = headers[H_SSE];
  const keyId = headers[H_KMS_KEY_ID];
  const context = headers[H_CONTEXT];
  const bucketKey = headers[H_BUCKET_KEY];
  if (algorithm === undefined) {
    if (keyId !== undefined || context !== undefined) {
      // S3's answer for a key id without aws:kms (s3-sse-facts.md §4).
      throw InvalidArgument('Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms');
    }
    return undefined;
  }
  // Unverified: S3's message for an unknown x-amz-server-side-encryption value.
  if (!SSE_ALGORITHMS.includes(algorithm)) throw InvalidArgument('The encryption method specified is not supported');
  if (!isKms(algorithm) && (keyId !== undefined || context !== undefined)) {
    throw InvalidArgument('Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms');
  }
  const s: SseSettings = { algorithm: algorithm as SseAlgorithm, bucketKeyEnabled: parseBucketKey(bucketKey) ?? false };
  if (keyId !== undefined) {
    // Unverified: S3's message for an empty key id header.
    if (keyId.trim() === '') throw InvalidArgument('KMS key id must not be empty');
    s.kmsKeyId = keyId.trim();
  }
  if (context !== undefined) s.callerContext = parseContext(context);
  return s;
}

function parseBucketKey(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const lower = v.trim().toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw InvalidArgument('Invalid value for x-amz-server-side-encryption-bucket-key-enabled');
  return lower === 'true';
}

/** Base64 of a UTF-8 JSON object whose values are strings (S3 API Reference, PutObject: SSEKMSEncryptionContext). */
function parseContext(v: string): Record<string, string> {
  // Unverified: S3's exact message for a malformed context header.
  const bad = () => InvalidArgument('The header x-amz-server-side-encryption-context must be a base64-encoded UTF-8 string holding JSON which represents a string-string map');
  const raw = Buffer.from(v.trim(), 'base64');
  if (raw.toString('base64').replace(/=+$/, '') !== v.trim().replace(/=+$/, '')) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw bad();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad();
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw bad();
    out[k] = value;
  }
  return out;
}

/** The bucket's default encryption, SSE-S3 when it has none. */
export function bucketDefaultSse(bucket: S3Bucket): SseSettings {
  const e = bucket.encryption;
  if (!e) return { algorithm: 'AES256', bucketKeyEnabled: false };
  const s: SseSettings = { algorithm: e.sseAlgorithm as SseAlgorithm, bucketKeyEnabled: e.bucketKeyEnabled };
  if (e.kmsMasterKeyId !== undefined && isKms(e.sseAlgorithm)) s.kmsKeyId = e.kmsMasterKeyId;
  return s;
}

/**
 * What a write uses: the request's headers override the bucket default; the request's
 * bucket-key header alone overrides only the bucket's BucketKeyEnabled (S3 User Guide, "Configuring
 * an S3 Bucket Key at the object level"). SSE-KMS needs SigV4 (s3-sse-facts.md §4):
 * an anonymous caller is refused in kms-via-s3.ts before KMS is called.
 */
export function effectiveSse(headers: Record<string, string>, bucket: S3Bucket): SseSettings {
  // SSE-C headers are served by customer-objects.ts (the write's data key is sealed under the customer key).
  const requested = requestedSse(headers);
  const s = requested ?? bucketDefaultSse(bucket);
  const bucketKey = parseBucketKey(headers[H_BUCKET_KEY]);
  if (requested === undefined && bucketKey !== undefined) s.bucketKeyEnabled = bucketKey;
  if (s.algorithm !== 'aws:kms') s.bucketKeyEnabled = false; // Bucket Keys apply to SSE-KMS only (not DSSE-KMS).
  return s;
}

/** UploadPart / CompleteMultipartUpload take no x-amz-server-side-encryption headers (s3-sse-facts.md §1). */
export function refuseSseHeaders(headers: Record<string, string>): void {
  for (const h of [H_SSE, H_KMS_KEY_ID, H_CONTEXT, H_BUCKET_KEY]) {
    if (headers[h] !== undefined) throw InvalidArgument('x-amz-server-side-encryption header is not supported for this operation.');
  }
}

/** GET / HEAD of an SSE-S3 or SSE-KMS object must not carry SSE headers (s3-sse-facts.md §1). */
export function refuseSseHeadersOnRead(headers: Record<string, string>): void {
  // Unverified: the code and text S3 answers with (the facts give the 400 status).
  if (headers[H_SSE] !== undefined || headers[H_KMS_KEY_ID] !== undefined) throw s3Error('InvalidArgument', 'x-amz-server-side-encryption header is not supported for this operation.');
}
