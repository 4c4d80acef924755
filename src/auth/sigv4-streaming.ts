/**
 * S3's SigV4 streaming payloads (Content-Encoding: aws-chunked), decoded as a Transform stream in
 * constant memory: the decoded object bytes come out, every chunk signature is verified in a chain
 * from the seed signature, trailing checksums are verified against the decoded bytes.
 * S3 API Reference, "Signature Calculations for the Authorization Header: Transferring Payload in
 * Multiple Chunks (Chunked Upload)" and "… Including Trailing Headers (Chunked Upload)".
 *
 *   chunk   = hex-size [";chunk-signature=" sig] CRLF data CRLF
 *   final   = "0" [";chunk-signature=" sig] CRLF *(trailer CRLF) CRLF
 *   trailer = name ":" value            (x-amz-trailer-signature last in the signed-trailer mode)
 *
 * Bytes are passed on as they arrive: a consumer commits the object only when the stream ended
 * without error (stream.pipeline resolves), never before.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AwsError } from '../errors/aws-error.js';
import { algorithmOfHeader, createHasher, decodeChecksum, type ChecksumAlgorithm, type IncrementalHasher } from '../crypto/checksums.js';
import { SigningKeyCache, credentialScope, deriveSigningKey, signatureBytes } from './sigv4-canonical.js';
import type { ParsedSigV4 } from './sigv4-parse.js';
import { chunkStringToSign, trailerStringToSign } from './sigv4-streaming-sign.js';

export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export type StreamingMode = typeof STREAMING_SIGNED | typeof STREAMING_UNSIGNED_TRAILER | typeof STREAMING_SIGNED_TRAILER;

/** True for the x-amz-content-sha256 values this module decodes. */
export const isStreamingPayload = (contentSha256: string | undefined): contentSha256 is StreamingMode =>
  contentSha256 === STREAMING_SIGNED || contentSha256 === STREAMING_UNSIGNED_TRAILER || contentSha256 === STREAMING_SIGNED_TRAILER;

/** What chains chunk signatures: the request's signing key, date, scope and (seed) signature. */
export interface ChunkSigning {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string; // hex, the Authorization header's signature
}

export interface AwsChunkedOptions {
  mode: StreamingMode;
  /** Required for the two signed modes. */
  signing?: ChunkSigning;
  /** x-amz-decoded-content-length; the decoded size must equal it. */
  decodedContentLength?: number;
  /** x-amz-trailer: the trailing header names the body must end with (comma-separated). */
  trailer?: string;
  /** Bytes one chunk may declare (a quota; the data itself is never held). Default 5 GiB. */
  maxChunkSize?: number;
}

export const SIGNATURE_DOES_NOT_MATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';
export const INCOMPLETE_BODY_MESSAGE = 'You did not provide the number of bytes specified by the Content-Length HTTP header.';
export const INVALID_CHUNK_SIZE_MESSAGE = 'Only the last chunk is allowed to have a size less than 8192 bytes';
export const MALFORMED_TRAILER_MESSAGE =
  'The request contained trailing data that was not well-formed or did not conform to our published schema.';
const MIN_CHUNK = 8192; // all signed chunks but the last (sigv4-streaming: "at least 8 KB")
const MAX_LINE = 256; // a chunk header is ≤ 16 hex digits + ";chunk-signature=" + 64 hex
const MAX_TRAILER_BYTES = 16 * 1024;
const EMPTY_SHA256 = createHash('sha256').digest('hex');

const signatureMismatch = () => new AwsError('SignatureDoesNotMatch', SIGNATURE_DOES_NOT_MATCH_MESSAGE, 403);
// Unverified: S3's code for malformed (not only short) chunk framing; IncompleteBody as for a short body.
const incompleteBody = () => new AwsError('IncompleteBody', INCOMPLETE_BODY_MESSAGE, 400);
const malformedTrailer = () => new AwsError('MalformedTrailerError', MALFORMED_TRAILER_MESSAGE, 400);
/** BadDigest text as S3 answers a wrong trailing checksum (versity/versitygw#1694, aws-sdk-ruby#3322). */
export const badDigest = (algorithm: ChecksumAlgorithm) =>
  new AwsError('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`, 400);

type State = 'header' | 'data' | 'data-crlf' | 'trailer' | 'done';

export class AwsChunkedDecoder extends Transform {
  /** Trailing headers as received (lower-cased names), after the stream ended. */
  readonly trailers = new Map<string, string>();
  /**
   * The trailing checksum, after the stream ended (undefined without one): verified here, or, once
   * `deferChecksum` was called, decoded into `unverified` for the caller to compare its own digest with.
   */
  checksum: { algorithm: ChecksumAlgorithm; value: string; unverified?: Buffer } | undefined;
  /** Decoded bytes so far. */
  decodedLength = 0;

  private readonly signed: boolean;
  private readonly expectTrailers: string[];
  private readonly checksumHasher: IncrementalHasher | undefined;
  private readonly checksumAlgorithm: ChecksumAlgorithm | undefined;
  private readonly maxChunk: number;
  private state: State = 'header';
  private line = Buffer.alloc(0);
  private remaining = 0;
  private chunkSize = 0;
  private chunkHash = createHash('sha256');
  private chunkSignature = '';
  private previousSignature = '';
  private previousChunkSize = -1;
  private chunkIndex = 0;
  private trailerBytes = 0;
  private trailerLines: string[] = [];
  private checksumDeferred = false;

  constructor(private readonly opts: AwsChunkedOptions) {
    super();
    this.signed = opts.mode !== STREAMING_UNSIGNED_TRAILER;
    if (this.signed && opts.signing === undefined) throw new TypeError('signed aws-chunked needs opts.signing');
    this.previousSignature = opts.signing?.seedSignature ?? '';
    this.maxChunk = opts.maxChunkSize ?? 5 * 1024 ** 3;
    this.expectTrailers = (opts.trailer ?? '').split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
    const algorithms = this.expectTrailers.map(algorithmOfHeader).filter((a) => a !== undefined);
    this.checksumAlgorithm = algorithms[0];
    this.checksumHasher = this.checksumAlgorithm ? createHasher(this.checksumAlgorithm) : undefined;
  }

  /**
   * The caller digests the decoded bytes itself (S3's sealed writes do, on their hash threads): this
   * decoder stops hashing them and leaves the trailing value unverified in `checksum`.
   */
  deferChecksum(): void {
    this.checksumDeferred = true;
  }

  override _transform(input: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(input);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    // The SDKs' unsigned encoder ends a body without trailers at "0\r\n" (no closing CRLF).
    const sdkEnd = this.state === 'trailer' && !this.signed && this.line.length === 0 &&
      this.trailerLines.length === 0 && this.expectTrailers.length === 0;
    if (sdkEnd) this.state = 'done';
    done(this.state === 'done' ? null : incompleteBody());
  }

  private consume(input: Buffer): void {
    let at = 0;
    while (at < input.length) {
      switch (this.state) {
        case 'header':
        case 'trailer': {
          const nl = input.indexOf(0x0a, at);
          const end = nl < 0 ? input.length : nl + 1;
          this.appendLine(input.subarray(at, end));
          at = end;
          if (nl >= 0) this.onLine();
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, input.length - at);
          const slice = input.subarray(at, at + take);
          if (this.signed) this.chunkHash.update(slice);
          if (!this.checksumDeferred) this.checksumHasher?.update(slice);
          this.remaining -= take;
          at += take;
          this.push(slice);
          if (this.remaining === 0) this.endChunkData();
          break;
        }
        case 'data-crlf':
          this.appendLine(input.subarray(at, at + 1));
          at += 1;
          if (this.line.length === 2) {
            if (this.line[0] !== 0x0d || this.line[1] !== 0x0a) throw incompleteBody();
            this.line = Buffer.alloc(0);
            this.state = 'header';
          }
          break;
        case 'done':
          // Unverified: S3's answer to bytes after the final chunk; we refuse them.
          throw incompleteBody();
      }
    }
  }

  private appendLine(part: Buffer): void {
    const limit = this.state === 'trailer' ? MAX_TRAILER_BYTES : MAX_LINE;
    if (this.line.length + part.length > limit) throw this.state === 'trailer' ? malformedTrailer() : incompleteBody();
    this.line = this.line.length === 0 ? Buffer.from(part) : Buffer.concat([this.line, part]);
  }

  private takeLine(): string {
    const raw = this.line;
    this.line = Buffer.alloc(0);
    if (raw.length < 2 || raw[raw.length - 2] !== 0x0d) throw this.state === 'trailer' ? malformedTrailer() : incompleteBody();
    return raw.subarray(0, raw.length - 2).toString('latin1');
  }

  private onLine(): void {
    if (this.state === 'trailer') return this.onTrailerLine(this.takeLine());
    const m = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(this.takeLine());
    if (!m || (this.signed && m[2] === undefined) || (!this.signed && m[2] !== undefined)) throw incompleteBody();
    const size = Number.parseInt(m[1]!, 16);
    if (this.signed && size > 0 && this.previousChunkSize >= 0 && this.previousChunkSize < MIN_CHUNK) {
      throw new AwsError('InvalidChunkSizeError', INVALID_CHUNK_SIZE_MESSAGE, 403);
    }
    const declared = this.opts.decodedContentLength;
    if (size > this.maxChunk || (declared !== undefined && this.decodedLength + size > declared)) throw incompleteBody();
    this.chunkIndex++;
    this.chunkSize = size;
    this.chunkSignature = m[2] ?? '';
    this.remaining = size;
    this.chunkHash = createHash('sha256');
    if (size > 0) {
      this.state = 'data';
      return;
    }
    this.verifyChunk(EMPTY_SHA256);
    if (declared !== undefined && this.decodedLength !== declared) throw incompleteBody();
    this.state = 'trailer';
  }

  private endChunkData(): void {
    this.decodedLength += this.chunkSize;
    this.previousChunkSize = this.chunkSize;
    if (this.signed) this.verifyChunk(this.chunkHash.digest('hex'));
    this.state = 'data-crlf';
  }

  private verifyChunk(dataSha256Hex: string): void {
    if (!this.signed) return;
    const s = this.opts.signing!;
    const sts = chunkStringToSign(s.amzDate, s.scope, this.previousSignature, dataSha256Hex);
    this.checkSignature(sts, this.chunkSignature);
  }

  private checkSignature(sts: string, provided: string): void {
    if (!/^[0-9a-f]{64}$/.test(provided)) throw signatureMismatch();
    // Constant time on equal-length buffers (32 bytes each).
    if (!timingSafeEqual(Buffer.from(provided, 'hex'), signatureBytes(this.opts.signing!.signingKey, sts))) throw signatureMismatch();
    this.previousSignature = provided;
  }

  private onTrailerLine(text: string): void {
    if (text !== '') {
      this.trailerBytes += text.length;
      if (this.trailerLines.length >= 16 || this.trailerBytes > MAX_TRAILER_BYTES) throw malformedTrailer();
      this.trailerLines.push(text);
      return;
    }
    this.finishTrailers();
    this.state = 'done';
  }

  private finishTrailers(): void {
    let signature: string | undefined;
    for (const text of this.trailerLines) {
      const colon = text.indexOf(':');
      if (colon <= 0) throw malformedTrailer();
      const name = text.slice(0, colon).trim().toLowerCase();
      const value = text.slice(colon + 1).trim();
      if (name === 'x-amz-trailer-signature' && this.opts.mode === STREAMING_SIGNED_TRAILER) signature = value;
      else if (!this.expectTrailers.includes(name) || this.trailers.has(name)) throw malformedTrailer();
      else this.trailers.set(name, value);
    }
    if (this.expectTrailers.some((t) => !this.trailers.has(t))) throw malformedTrailer();
    if (this.opts.mode === STREAMING_SIGNED_TRAILER) {
      if (signature === undefined) throw signatureMismatch();
      const s = this.opts.signing!;
      this.checkSignature(trailerStringToSign(s.amzDate, s.scope, this.previousSignature, this.trailers), signature);
    }
    if (this.checksumAlgorithm && this.checksumHasher) {
      const name = `x-amz-checksum-${this.checksumAlgorithm.toLowerCase()}`;
      const value = this.trailers.get(name)!;
      const given = decodeChecksum(this.checksumAlgorithm, value);
      // Unverified: S3's text for an undecodable trailing checksum value.
      if (given === undefined) throw new AwsError('InvalidRequest', `Value for ${name} trailing header is invalid.`, 400);
      if (this.checksumDeferred) {
        this.checksum = { algorithm: this.checksumAlgorithm, value, unverified: given };
        return;
      }
      const actual = this.checksumHasher.digest();
      if (!timingSafeEqual(given, actual)) throw badDigest(this.checksumAlgorithm);
      this.checksum = { algorithm: this.checksumAlgorithm, value };
    }
  }
}

/**
 * The chain's start for a request whose header signature verifySigV4 already accepted (with the
 * STREAMING-* literal as its payload hash): signing key, date, scope and the seed signature.
 */
export function chunkSigningFor(parsed: ParsedSigV4, secretAccessKey: string, cache?: SigningKeyCache): ChunkSigning {
  return {
    // A copy: the body is checked over many turns of the event loop, and the cache wipes what it evicts.
    signingKey: cache
      ? Buffer.from(cache.signingKey(secretAccessKey, parsed.scopeDate, parsed.region, parsed.service))
      : deriveSigningKey(secretAccessKey, parsed.scopeDate, parsed.region, parsed.service),
    amzDate: parsed.amzDate,
    scope: credentialScope(parsed.scopeDate, parsed.region, parsed.service),
    seedSignature: parsed.signature,
  };
}

type Headers = Record<string, string | string[] | undefined>;
const header = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * The decoder for a request whose x-amz-content-sha256 is a STREAMING-* value (check with
 * isStreamingPayload), from its lower-cased headers. Signed modes need `signing` (chunkSigningFor).
 * Throws MissingContentLength without a decimal x-amz-decoded-content-length.
 */
export function awsChunkedDecoderFor(headers: Headers, signing: ChunkSigning | undefined, maxChunkSize?: number): AwsChunkedDecoder {
  const mode = header(headers, 'x-amz-content-sha256');
  if (!isStreamingPayload(mode)) throw new TypeError('not a streaming payload');
  const decoded = header(headers, 'x-amz-decoded-content-length');
  // Unverified: S3's answer to a missing or non-numeric x-amz-decoded-content-length.
  if (decoded === undefined || !/^\d{1,16}$/.test(decoded.trim())) {
    throw new AwsError('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  }
  if (mode !== STREAMING_UNSIGNED_TRAILER && signing === undefined) throw new TypeError('signed aws-chunked needs signing');
  return new AwsChunkedDecoder({
    mode,
    ...(mode === STREAMING_UNSIGNED_TRAILER ? {} : { signing: signing! }),
    decodedContentLength: Number(decoded.trim()),
    ...(mode === STREAMING_SIGNED ? {} : { trailer: header(headers, 'x-amz-trailer') ?? '' }),
    ...(maxChunkSize === undefined ? {} : { maxChunkSize }),
  });
}
