/**
 * The strings to sign of S3's streaming SigV4 (aws-chunked), and an encoder that produces such a
 * body (for tests and tools; the server only decodes, see sigv4-streaming.ts).
 * S3 API Reference, "Transferring Payload in Multiple Chunks" (AWS4-HMAC-SHA256-PAYLOAD) and
 * "Including Trailing Headers" (AWS4-HMAC-SHA256-TRAILER).
 */
import { createHash } from 'node:crypto';
import { signatureBytes } from './sigv4-canonical.js';

const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const EMPTY_SHA256 = sha256Hex('');

/** AWS4-HMAC-SHA256-PAYLOAD \n date \n scope \n previous-signature \n sha256("") \n sha256(chunk). */
export const chunkStringToSign = (amzDate: string, scope: string, previousSignature: string, chunkSha256Hex: string): string =>
  `AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previousSignature}\n${EMPTY_SHA256}\n${chunkSha256Hex}`;

/** Trailing headers as signed: "name:value\n" each, names lower-cased and sorted. */
export function canonicalTrailers(trailers: ReadonlyMap<string, string>): string {
  return [...trailers].map(([n, v]) => [n.toLowerCase(), v.trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, v]) => `${n}:${v}\n`).join('');
}

/** AWS4-HMAC-SHA256-TRAILER \n date \n scope \n previous-signature \n sha256(canonical trailers). */
export const trailerStringToSign = (amzDate: string, scope: string, previousSignature: string, trailers: ReadonlyMap<string, string>): string =>
  `AWS4-HMAC-SHA256-TRAILER\n${amzDate}\n${scope}\n${previousSignature}\n${sha256Hex(canonicalTrailers(trailers))}`;

export interface EncodeOptions {
  /** Sign the chunks (and the trailer) with this; unsigned chunks without it. */
  signing?: { signingKey: Buffer; amzDate: string; scope: string; seedSignature: string };
  /** Data chunk size (the last data chunk may be shorter). */
  chunkSize: number;
  /** Trailing headers (e.g. x-amz-checksum-crc32), sent after the final chunk. */
  trailers?: ReadonlyMap<string, string>;
}

/** An aws-chunked body for `data`, as the SDKs frame it. */
export function encodeAwsChunked(data: Buffer, opts: EncodeOptions): Buffer {
  const parts: Buffer[] = [];
  let previous = opts.signing?.seedSignature ?? '';
  const header = (chunk: Buffer): string => {
    if (!opts.signing) return chunk.length.toString(16);
    const s = opts.signing;
    previous = signatureBytes(s.signingKey, chunkStringToSign(s.amzDate, s.scope, previous, sha256Hex(chunk))).toString('hex');
    return `${chunk.length.toString(16)};chunk-signature=${previous}`;
  };
  for (let at = 0; at < data.length; at += opts.chunkSize) {
    const chunk = data.subarray(at, at + opts.chunkSize);
    parts.push(Buffer.from(`${header(chunk)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`${header(Buffer.alloc(0))}\r\n`));
  const trailers = opts.trailers ?? new Map<string, string>();
  for (const [n, v] of trailers) parts.push(Buffer.from(`${n}:${v}\r\n`));
  if (opts.signing && trailers.size > 0) {
    const s = opts.signing;
    const sig = signatureBytes(s.signingKey, trailerStringToSign(s.amzDate, s.scope, previous, trailers)).toString('hex');
    parts.push(Buffer.from(`x-amz-trailer-signature:${sig}\r\n`));
  }
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}
