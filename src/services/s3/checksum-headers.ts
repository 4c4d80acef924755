/**
 * S3's additional checksums on PutObject and UploadPart (S3 User Guide, "Checking object
 * integrity"; S3 API Reference, PutObject / UploadPart): one `x-amz-checksum-<algorithm>` header
 * or trailer (aws-chunked, verified by the decoder), optionally named by
 * `x-amz-sdk-checksum-algorithm`; the value is verified against the bytes received, stored, and
 * returned on the response and on GET/HEAD with `x-amz-checksum-mode: ENABLED`.
 * Error texts as S3 answers them (OpenStack Swift's s3api tests run against AWS, versitygw's s3err).
 */
import { timingSafeEqual } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import {
  checksumHeaderName, createHasher, decodeChecksum, parseChecksumAlgorithm, type ChecksumAlgorithm, type IncrementalHasher,
} from '../../crypto/checksums.js';
import { s3Error, InvalidRequest } from '../../errors/s3-errors.js';
import type { S3Checksum, S3Object, WrittenFile } from '../../store/s3-ports.js';
import type { S3Body } from './s3-call.js';

/** In the S3 model's ChecksumAlgorithm enum but not implemented here: refused, never silently unverified. */
const NOT_IMPLEMENTED = ['CRC64NVME', 'SHA512', 'MD5', 'XXHASH64', 'XXHASH3', 'XXHASH128'];
/** x-amz-checksum-* names that are not checksum values. */
const NOT_VALUES = new Set(['x-amz-checksum-mode', 'x-amz-checksum-type', 'x-amz-checksum-algorithm']);

export const badDigest = (algorithm: ChecksumAlgorithm) => s3Error('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
const notImplemented = (header: string) =>
  s3Error('NotImplemented', `A header you provided implies functionality that is not implemented (${header}).`);
const multiple = (withTrailer: boolean) =>
  // S3's text drops the second sentence when a header and a trailer collide (Swift s3api, checksums).
  InvalidRequest(withTrailer ? 'Expecting a single x-amz-checksum- header' : 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');

/** The algorithm an x-amz-checksum-<suffix> name carries; throws for names S3 refuses. */
function algorithmOfName(name: string, trailer: boolean): ChecksumAlgorithm {
  const suffix = name.slice('x-amz-checksum-'.length).toUpperCase();
  const algorithm = parseChecksumAlgorithm(suffix);
  if (algorithm) return algorithm;
  if (NOT_IMPLEMENTED.includes(suffix)) throw notImplemented(name);
  throw InvalidRequest(trailer ? 'The value specified in the x-amz-trailer header is not supported' : 'The algorithm type you specified in x-amz-checksum- header is invalid.');
}

/** What a PutObject / UploadPart request declares: the algorithm and, for a header, the raw digest. */
export interface DeclaredChecksum {
  algorithm: ChecksumAlgorithm;
  /** From the x-amz-checksum-* header; absent when the value comes as a trailer. */
  expected?: Buffer;
}

/** Parses (before the body is read) the checksum a request declares; undefined when none. */
export function declaredChecksum(headers: Record<string, string>): DeclaredChecksum | undefined {
  const fromHeaders: Array<{ name: string; algorithm: ChecksumAlgorithm }> = [];
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-amz-checksum-') && !NOT_VALUES.has(name)) fromHeaders.push({ name, algorithm: algorithmOfName(name, false) });
  }
  const trailers = (headers['x-amz-trailer'] ?? '').split(',').map((t) => t.trim().toLowerCase()).filter((t) => t.startsWith('x-amz-checksum-'));
  const fromTrailer = trailers.map((t) => algorithmOfName(t, true));
  if (fromHeaders.length > 1 || fromTrailer.length > 1) throw multiple(false);
  if (fromHeaders.length === 1 && fromTrailer.length === 1) throw multiple(true);
  const sdkHeader = headers['x-amz-sdk-checksum-algorithm'];
  const sdk = sdkHeader === undefined ? undefined : parseChecksumAlgorithm(sdkHeader);
  if (sdkHeader !== undefined && sdk === undefined) {
    if (NOT_IMPLEMENTED.includes(sdkHeader.trim().toUpperCase())) throw notImplemented(`x-amz-sdk-checksum-algorithm: ${sdkHeader.trim()}`);
    throw InvalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
  }
  const header = fromHeaders[0];
  const algorithm = header?.algorithm ?? fromTrailer[0];
  if (sdk !== undefined && algorithm === undefined) {
    throw InvalidRequest('x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
  }
  if (sdk !== undefined && sdk !== algorithm) throw InvalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
  if (algorithm === undefined) return undefined;
  if (header === undefined) return { algorithm };
  const expected = decodeChecksum(algorithm, headers[header.name]!);
  if (expected === undefined) throw InvalidRequest(`Value for ${header.name} header is invalid.`);
  return { algorithm, expected };
}

/**
 * Hashes the body on its way to storage when a header declares a checksum the writer does not
 * compute itself (it computes SHA-256); the stream is returned unchanged otherwise.
 */
export function observeBody(declared: DeclaredChecksum | undefined, body: Readable): { body: Readable; hasher?: IncrementalHasher } {
  if (declared?.expected === undefined || declared.algorithm === 'SHA256') return { body };
  return hashingTap(declared.algorithm, body);
}

/** `body` passed through an incremental hasher of `algorithm`. */
export function hashingTap(algorithm: ChecksumAlgorithm, body: Readable): { body: Readable; hasher: IncrementalHasher } {
  const hasher = createHasher(algorithm);
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hasher.update(chunk);
      done(null, chunk);
    },
  });
  // pipeline: an error on either side destroys both (the writer's own pipeline sees it).
  return { body: pipeline(body, tap, () => undefined), hasher };
}

/** After the body was written: the verified checksum to store (BadDigest on a mismatch). */
export function verifiedChecksum(
  declared: DeclaredChecksum | undefined, observed: IncrementalHasher | undefined, written: WrittenFile, body: S3Body,
): S3Checksum | undefined {
  if (declared === undefined) return undefined;
  if (declared.expected === undefined) {
    // A trailer: verified by the aws-chunked decoder, or here against the digest the write computed.
    const trailing = body.trailingChecksum?.();
    if (trailing === undefined || trailing.algorithm !== declared.algorithm) throw s3Error('MalformedTrailerError', 'The request contained trailing data that was not well-formed or did not conform to our published schema.');
    if (trailing.unverified && !(written.checksumDigest && timingSafeEqual(trailing.unverified, written.checksumDigest))) throw badDigest(declared.algorithm);
    return { algorithm: trailing.algorithm, value: trailing.value.trim(), type: 'FULL_OBJECT' };
  }
  const actual = declared.algorithm === 'SHA256' ? written.sha256 : (written.checksumDigest ?? observed!.digest());
  if (!timingSafeEqual(actual, declared.expected)) throw badDigest(declared.algorithm);
  return { algorithm: declared.algorithm, value: actual.toString('base64'), type: 'FULL_OBJECT' };
}

/** A checksum as response headers: x-amz-checksum-<algorithm> (and x-amz-checksum-type where the output has it). */
export function checksumHeaders(checksum: S3Checksum | undefined, withType = true): Record<string, string> {
  if (checksum === undefined) return {};
  return { [checksumHeaderName(checksum.algorithm)]: checksum.value, ...(withType ? { 'x-amz-checksum-type': checksum.type } : {}) };
}

/**
 * GetObject / HeadObject: the stored checksum when the caller asked (x-amz-checksum-mode: ENABLED),
 * never on a Range or partNumber read — the whole-object value does not describe those bytes.
 */
export function checksumOnRead(o: S3Object, headers: Record<string, string>, whole: boolean): Record<string, string> {
  if (!whole || headers['x-amz-checksum-mode']?.trim().toUpperCase() !== 'ENABLED') return {};
  return checksumHeaders(o.checksum);
}

/** The XML elements of a checksum (ListParts' Part, CompleteMultipartUploadResult): ChecksumCRC32 … */
export function checksumElements(checksum: Pick<S3Checksum, 'algorithm' | 'value'> | undefined): Record<string, string> {
  return checksum === undefined ? {} : { [`Checksum${checksum.algorithm}`]: checksum.value };
}
