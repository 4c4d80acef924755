/**
 * Encrypted-at-rest format of S3 object bytes: authenticated chunks.
 *
 * An object's bytes are one or more *segments* (a single PUT is one segment; a multipart object is
 * one segment per part, in part order). A segment is
 *
 *   header (16): version (1) = 1 | layers (1) | reserved (2) = 0 | base nonce (12, random)
 *   chunks: each plaintext chunk of CHUNK_BYTES (the last one shorter, possibly empty) sealed with
 *           AES-256-GCM (NIST SP 800-38D) once per layer key: ciphertext | tag (16) per layer.
 *
 * Chunk i of a segment uses nonce = base nonce XOR i (big-endian in the last 8 bytes, as TLS 1.3
 * derives per-record nonces, RFC 8446 §5.3), and AAD = "locksmith:s3-chunk:v1" | layer (1) |
 * segment number (4) | chunk index (8) | final flag (1) | binding. The final flag makes truncation
 * detectable, the index reordering, the segment number moving whole parts, and the binding (the
 * object's identity) splicing from another object. A segment of n plaintext bytes has
 * max(1, ceil(n / CHUNK_BYTES)) chunks, so the reader knows which chunk must carry the final flag.
 * A reader authenticates every chunk before it emits a byte of it.
 */
import { createDecipheriv } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { GCM_TAG_BYTES } from './aes-gcm.js';
import { CHUNK_BYTES, checkKeys, SegmentSealer, type SegmentKeys } from './object-chunk-sealer.js';

export { CHUNK_BYTES, type SegmentKeys };
export const SEGMENT_HEADER_BYTES = 16;
const FORMAT_VERSION = 1;
const AAD_LABEL = Buffer.from('locksmith:s3-chunk:v1', 'utf8');

/** Thrown for every failure to authenticate or parse stored chunks: one error, no detail. */
export class ChunkAuthenticationError extends Error {
  constructor() {
    super('stored object bytes failed authentication');
  }
}

export const chunkCount = (plainSize: number) => Math.max(1, Math.ceil(plainSize / CHUNK_BYTES));
const sealedChunkBytes = (plain: number, layers: number) => plain + layers * GCM_TAG_BYTES;

/** Bytes a segment of `plainSize` plaintext bytes takes at rest. */
export function encryptedSegmentSize(plainSize: number, layers = 1): number {
  return SEGMENT_HEADER_BYTES + plainSize + chunkCount(plainSize) * layers * GCM_TAG_BYTES;
}

function chunkNonce(base: Buffer, index: number): Buffer {
  const nonce = Buffer.from(base);
  const hi = Math.floor(index / 0x1_0000_0000);
  nonce.writeUInt32BE((nonce.readUInt32BE(4) ^ hi) >>> 0, 4);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ index) >>> 0, 8);
  return nonce;
}

function chunkAad(layer: number, k: SegmentKeys, index: number, final: boolean): Buffer {
  const fixed = Buffer.alloc(1 + 4 + 8 + 1);
  fixed.writeUInt8(layer, 0);
  fixed.writeUInt32BE(k.segment, 1);
  fixed.writeUInt32BE(Math.floor(index / 0x1_0000_0000), 5);
  fixed.writeUInt32BE(index >>> 0, 9);
  fixed.writeUInt8(final ? 1 : 0, 13);
  return Buffer.concat([AAD_LABEL, fixed, k.binding]);
}

function openChunk(k: SegmentKeys, base: Buffer, index: number, final: boolean, sealed: Buffer): Buffer {
  let data = sealed;
  const nonce = chunkNonce(base, index);
  for (let layer = k.keys.length - 1; layer >= 0; layer--) {
    if (data.length < GCM_TAG_BYTES) throw new ChunkAuthenticationError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', k.keys[layer]!, nonce, { authTagLength: GCM_TAG_BYTES });
      decipher.setAAD(chunkAad(layer, k, index, final));
      decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
      const opened = decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES));
      // final() checks the tag; GCM has no bytes left to give then, so nothing is joined or copied.
      const rest = decipher.final();
      data = rest.length === 0 ? opened : Buffer.concat([opened, rest]);
    } catch {
      throw new ChunkAuthenticationError();
    }
  }
  return data;
}

/** Collects written buffers and hands them out in pieces of exactly `size` bytes. */
class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
  }
  /** The next `size` bytes (fewer at the end): a view when they lie in one written buffer, else a copy. */
  take(size: number): Buffer {
    const head = this.parts[0];
    if (head !== undefined && head.length >= size) {
      if (head.length === size) this.parts.shift();
      else this.parts[0] = head.subarray(size);
      this.length -= size;
      return head.subarray(0, size);
    }
    const out = Buffer.allocUnsafe(Math.min(size, this.length));
    let filled = 0;
    while (filled < out.length) {
      const head = this.parts[0]!;
      const n = Math.min(head.length, out.length - filled);
      head.copy(out, filled, 0, n);
      filled += n;
      if (n === head.length) this.parts.shift();
      else this.parts[0] = head.subarray(n);
    }
    this.length -= out.length;
    return out;
  }
}

/**
 * Encrypts one segment as it streams: header first, then each chunk once the next byte shows it
 * is not the last (the final flag is known only at the end). `baseNonce` must be fresh random bytes.
 */
export function segmentEncryptor(k: SegmentKeys, baseNonce: Buffer): Transform {
  const sealer = new SegmentSealer(k, baseNonce);
  const header = sealer.header();
  const queue = new ByteQueue();
  let started = false;
  const start = (t: Transform) => {
    if (!started) t.push(header);
    started = true;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      start(this);
      queue.push(chunk);
      try {
        // A full chunk is sealed only when more bytes follow it: the last chunk carries the final flag.
        while (queue.length > CHUNK_BYTES) this.push(Buffer.concat(sealer.seal(queue.take(CHUNK_BYTES), false)));
      } catch (e) {
        return done(e as Error);
      }
      done();
    },
    flush(done: TransformCallback) {
      start(this);
      try {
        this.push(Buffer.concat(sealer.seal(queue.take(CHUNK_BYTES), true)));
      } catch (e) {
        return done(e as Error);
      }
      done();
    },
  });
}

/** Encrypts a whole buffer as one segment (tests, small bodies). */
export function encryptSegment(k: SegmentKeys, baseNonce: Buffer, plaintext: Buffer): Buffer {
  const sealer = new SegmentSealer(k, baseNonce);
  const out = [sealer.header()];
  const n = chunkCount(plaintext.length);
  for (let i = 0; i < n; i++) out.push(...sealer.seal(plaintext.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES), i === n - 1));
  return Buffer.concat(out);
}

/** Reads bytes [start, end] (inclusive) of the stored file. */
export type ReadRange = (start: number, end: number) => Readable;

/** One stored segment: its keys and its plaintext size (the part sizes of a multipart object). */
export interface StoredSegment extends SegmentKeys {
  plainSize: number;
}

async function readExactly(stream: Readable, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    parts.push(c as Buffer);
    n += (c as Buffer).length;
  }
  if (n !== size) throw new ChunkAuthenticationError();
  return Buffer.concat(parts, n);
}

/**
 * The stored bytes decryptRange reads for plaintext [start, end]: the header of the first segment
 * the range touches, then one contiguous run (its chunks from the first touched one, and every
 * later segment's header and chunks up to the last touched chunk). Undefined for an empty range.
 */
export function storedRangeOf(segments: StoredSegment[], start: number, end: number): { header: [number, number]; body: [number, number] } | undefined {
  if (end < start) return undefined;
  let plain = 0;
  let file = 0;
  let header: [number, number] | undefined;
  let bodyStart = 0;
  let bodyEnd = -1;
  for (const seg of segments) {
    const layers = seg.keys.length;
    const segEnd = plain + seg.plainSize - 1;
    if (end >= plain && start <= segEnd) {
      const from = Math.max(start, plain) - plain;
      const last = Math.floor((Math.min(end, segEnd) - plain) / CHUNK_BYTES);
      const sealedFull = sealedChunkBytes(CHUNK_BYTES, layers);
      if (!header) {
        header = [file, file + SEGMENT_HEADER_BYTES - 1];
        bodyStart = file + SEGMENT_HEADER_BYTES + Math.floor(from / CHUNK_BYTES) * sealedFull;
      }
      bodyEnd = Math.min(file + encryptedSegmentSize(seg.plainSize, layers), file + SEGMENT_HEADER_BYTES + (last + 1) * sealedFull) - 1;
    }
    plain += seg.plainSize;
    file += encryptedSegmentSize(seg.plainSize, layers);
  }
  return header && { header, body: [bodyStart, bodyEnd] };
}

/**
 * Plaintext bytes [start, end] (inclusive) of an object stored as `segments`, decrypting only the
 * chunks the range touches; each chunk is authenticated before any of its bytes is yielded, and a
 * failure ends the stream with ChunkAuthenticationError.
 */
export async function* decryptRange(segments: StoredSegment[], read: ReadRange, start: number, end: number): AsyncGenerator<Buffer> {
  if (end < start) return;
  let segPlainStart = 0;
  let segFileStart = 0;
  for (const seg of segments) {
    checkKeys(seg);
    const layers = seg.keys.length;
    const segPlainEnd = segPlainStart + seg.plainSize - 1;
    const fileSize = encryptedSegmentSize(seg.plainSize, layers);
    if (end >= segPlainStart && start <= segPlainEnd) {
      const header = await readExactly(read(segFileStart, segFileStart + SEGMENT_HEADER_BYTES - 1), SEGMENT_HEADER_BYTES);
      if (header[0] !== FORMAT_VERSION || header[1] !== layers || header[2] !== 0 || header[3] !== 0) throw new ChunkAuthenticationError();
      const base = header.subarray(4);
      const from = Math.max(start, segPlainStart) - segPlainStart;
      const to = Math.min(end, segPlainEnd) - segPlainStart;
      const count = chunkCount(seg.plainSize);
      const first = Math.floor(from / CHUNK_BYTES);
      const last = Math.floor(to / CHUNK_BYTES);
      const sealedFull = sealedChunkBytes(CHUNK_BYTES, layers);
      const fileFrom = segFileStart + SEGMENT_HEADER_BYTES + first * sealedFull;
      const fileTo = Math.min(segFileStart + fileSize, segFileStart + SEGMENT_HEADER_BYTES + (last + 1) * sealedFull) - 1;
      const queue = new ByteQueue();
      let index = first;
      const emit = function* (sealed: Buffer): Generator<Buffer> {
        const plain = openChunk(seg, base, index, index === count - 1, sealed);
        const expected = index === count - 1 ? seg.plainSize - index * CHUNK_BYTES : CHUNK_BYTES;
        if (plain.length !== expected) throw new ChunkAuthenticationError();
        const lo = index === first ? from - index * CHUNK_BYTES : 0;
        const hi = index === last ? to - index * CHUNK_BYTES + 1 : plain.length;
        index++;
        if (hi > lo) yield plain.subarray(lo, hi);
      };
      const sealedLen = (i: number) => sealedChunkBytes(i === count - 1 ? seg.plainSize - i * CHUNK_BYTES : CHUNK_BYTES, layers);
      for await (const c of read(fileFrom, fileTo)) {
        queue.push(c as Buffer);
        while (index <= last && queue.length >= sealedLen(index)) yield* emit(queue.take(sealedLen(index)));
      }
      // The file ended before the chunks the range needs (truncated).
      if (index <= last) throw new ChunkAuthenticationError();
    }
    segPlainStart += seg.plainSize;
    segFileStart += fileSize;
    if (segPlainStart > end) return;
  }
}
