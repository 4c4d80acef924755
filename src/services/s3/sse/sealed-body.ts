/**
 * Object bytes in and out of the encrypted-at-rest chunk format (src/crypto/object-chunks.ts):
 * plaintext is digested (size, MD5, SHA-256 — what ETags, Content-MD5 and the signed payload hash
 * are checked against) and encrypted as it streams, so no unencrypted copy ever touches the disk;
 * reads decrypt only the chunks a range touches and emit only authenticated bytes.
 */
import { Readable } from 'node:stream';
import { ChunkAuthenticationError, decryptRange, storedRangeOf, type ReadRange, type StoredSegment } from '../../../crypto/object-chunks.js';
import type { ChecksumAlgorithm } from '../../../crypto/checksums.js';
import type { Random } from '../../../crypto/random.js';
import { s3Error } from '../../../errors/s3-errors.js';
import type { ObjectFiles, S3Object, S3ObjectEncryption, WrittenFile } from '../../../store/s3-ports.js';
import { objectArn } from '../authorize.js';
import { writeSealedBody, type SealedWriteDeps } from './sealed-write.js';

/** What binds an object's chunks: its ARN (object-chunks.ts, "binding"). */
export const objectBinding = (bucket: string, key: string) => Buffer.from(objectArn(bucket, key), 'utf8');

/** Writes `source` sealed to a new object file; the result's size and digests (`checksum`'s too) are the plaintext's. */
export function writeSealed(deps: SealedWriteDeps, source: Readable, limit: number, keys: Buffer[], binding: Buffer, segment: number, random: Random, checksum?: ChecksumAlgorithm): Promise<WrittenFile> {
  return writeSealedBody(deps, source, limit, { keys, binding, segment, baseNonce: random.bytes(12) }, { sha256: false, checksum });
}

/** The stored segments of an encrypted object: one per part of a multipart object, else one. */
export function segmentsOf(o: Pick<S3Object, 'size' | 'partSizes' | 'bucket' | 'key'>, record: S3ObjectEncryption, keys: Buffer[]): StoredSegment[] {
  const binding = objectBinding(o.bucket, o.key);
  if (o.partSizes.length === 0) return [{ keys, binding, segment: 0, plainSize: o.size }];
  const numbers = record.partNumbers ?? o.partSizes.map((_, i) => i + 1);
  return o.partSizes.map((plainSize, i) => ({ keys, binding, segment: numbers[i]!, plainSize }));
}

const corrupt = () => s3Error('InternalError', 'We encountered an internal error. Please try again.');

/**
 * Plaintext bytes [start, end] of a sealed file as a stream. The first chunk is authenticated
 * before this returns, so a corrupt object is an error response, not a body; a later chunk that
 * fails ends the stream with an error (the server then cuts the connection) — never wrong bytes.
 * `done` runs once the stream ends or is destroyed (the caller wipes the keys there).
 */
export async function openSealedRange(files: ObjectFiles, fileId: string, segments: StoredSegment[], start: number, end: number, done: () => void): Promise<Readable> {
  const stored = storedRangeOf(segments, start, end);
  let opened: Readable[] = [];
  let read: ReadRange = () => Readable.from([]);
  try {
    // Both opened now: an overwrite or delete after this point cannot pull the bytes away mid-response.
    if (stored) opened = [files.read(fileId, ...stored.header), files.read(fileId, ...stored.body)];
  } catch (e) {
    done();
    throw e;
  }
  if (stored) read = sequentialRanges(stored, opened[0]!, opened[1]!);
  const close = () => opened.forEach((r) => r.destroy());
  const it = decryptRange(segments, read, start, end);
  let first: IteratorResult<Buffer>;
  try {
    first = await it.next();
  } catch (e) {
    close();
    done();
    if (e instanceof ChunkAuthenticationError) throw corrupt();
    throw e;
  }
  const body = Readable.from((async function* () {
    try {
      if (!first.done) yield first.value;
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        yield n.value;
      }
    } finally {
      await it.return(undefined);
    }
  })());
  let finished = false;
  const finish = () => {
    if (!finished) {
      close();
      done();
    }
    finished = true;
  };
  body.once('close', finish);
  body.once('end', finish);
  return body;
}

/**
 * decryptRange's reads served from the two streams opened up front: the first read is the first
 * segment's header, every later one the next bytes of the contiguous run (storedRangeOf).
 */
function sequentialRanges(stored: { header: [number, number]; body: [number, number] }, header: Readable, body: Readable): ReadRange {
  let headerServed = false;
  let pos = stored.body[0];
  let left: Buffer = Buffer.alloc(0);
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return (start, end) => {
    if (!headerServed && start === stored.header[0] && end === stored.header[1]) {
      headerServed = true;
      return header;
    }
    if (start !== pos) throw new ChunkAuthenticationError();
    return Readable.from((async function* () {
      let need = end - start + 1;
      while (need > 0) {
        if (left.length === 0) {
          const n = await it.next();
          if (n.done) return;
          left = n.value;
        }
        const take = left.subarray(0, need);
        left = left.subarray(take.length);
        pos += take.length;
        need -= take.length;
        yield take;
      }
    })());
  };
}
