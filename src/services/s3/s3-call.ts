import type { Readable } from 'node:stream';
import type { ChecksumAlgorithm } from '../../crypto/checksums.js';

/** A decoded S3 request as the service sees it (no HTTP objects). */
export interface S3Call {
  operation: string;
  bucket?: string;
  key?: string;
  /** Query parameters (decoded; first value of each name). */
  query: Map<string, string>;
  /** Request headers, names lower-cased, first value. */
  headers: Record<string, string>;
  body: S3Body;
}

/** The request body: streamed (PutObject, UploadPart) or read whole up to a limit (XML bodies). */
export interface S3Body {
  readonly declaredLength?: number;
  stream(): Readable;
  /** Throws XAmzContentSHA256Mismatch unless the signed payload hash (when one was signed) is `sha256`. */
  verify(sha256: Buffer): void;
  /** False when no signed payload hash needs the body's SHA-256 (UNSIGNED-PAYLOAD, aws-chunked); absent = needed. */
  readonly needsSha256?: boolean;
  /**
   * aws-chunked bodies: the trailing x-amz-checksum-*, once the stream ended. The decoder verified
   * it, unless the checksum was deferred: then `unverified` is the digest the caller's own must equal.
   */
  trailingChecksum?(): { algorithm: ChecksumAlgorithm; value: string; unverified?: Buffer } | undefined;
  /** aws-chunked bodies: the caller computes the trailing checksum's digest of the decoded bytes itself (before reading the stream). */
  deferTrailingChecksum?(): void;
  readAll(limit: number): Promise<Buffer>;
}

export interface S3Result {
  status?: number;
  headers?: Record<string, string>;
  /** An XML document body. */
  xml?: string;
  /** A streamed body of `contentLength` bytes. */
  stream?: Readable;
  contentLength?: number;
}

