/**
 * A plaintext body sealed (src/crypto/object-chunks.ts format) into a new object file, with the
 * plaintext's size and digests (MD5 for the ETag; SHA-256 when a signed payload hash or checksum
 * needs it; the x-amz-checksum-* algorithm asked for) — the write path of PutObject, UploadPart and
 * the copies.
 *
 * The body is copied into 1 MiB shared blocks. A body larger than one block has its digests
 * computed on the hash threads (crypto/hash-threads.ts) while this thread seals the same block
 * (16 chunks) and appends it to the file as one write on the thread pool; the file is flushed in
 * the background as it grows (store/object-file-writer.ts). So the MD5, the sealing and the disk
 * run side by side. A body that fits in one block is hashed here: a hand-off would cost more than
 * it saves. Memory per body is bounded by the blocks in flight (BLOCKS_IN_FLIGHT plaintext blocks
 * being hashed, WRITES_IN_FLIGHT sealed blocks being written, 1 MiB each).
 *
 * Sealing stays on this thread: the cipher allocates every sealed chunk anew, and a sealing thread
 * of its own would hold up to V8's external-memory GC threshold (64 MB) of them dead, on top of
 * this thread's; here one collector frees both (bench/README.md, memory).
 */
import { finished, type Readable } from 'node:stream';
import { createHasher, type ChecksumAlgorithm } from '../../../crypto/checksums.js';
import { BLOCK_BYTES, copyToShared, type HashAlgorithm, type HashSession, type HashThreads, type SharedBlock } from '../../../crypto/hash-threads.js';
import { CHUNK_BYTES, SegmentSealer, type SegmentKeys } from '../../../crypto/object-chunk-sealer.js';
import { BodyTooLargeError } from '../../../store/object-files.js';
import type { ObjectFiles, WrittenFile } from '../../../store/s3-ports.js';

const BLOCKS_IN_FLIGHT = 8;
const WRITES_IN_FLIGHT = 4;

/** What a body is sealed to: the segment's keys and binding, and its fresh random base nonce. */
export interface SealSpec extends SegmentKeys {
  baseNonce: Buffer;
}

export interface SealedWriteDeps {
  files: ObjectFiles;
  /** Absent: the digests are computed on the request thread. */
  hashThreads?: HashThreads;
}

/**
 * Promises in flight, oldest first. The first failure is kept and thrown by `drain` (and by `oldest`
 * once it settled), so a failure that settled before anyone awaited it is never lost.
 */
class InFlight {
  private readonly queue: Promise<void>[] = [];
  unsettled = 0;
  private failure: { reason: unknown } | undefined;

  add(p: Promise<void>): void {
    if (this.unsettled === 0) this.queue.length = 0;
    this.unsettled++;
    p.then(() => void this.unsettled--, (e: unknown) => {
      this.unsettled--;
      this.failure ??= { reason: e };
    });
    this.queue.push(p);
  }

  /** Waits until at most `max` are unsettled; throws the first failure seen. */
  async drain(max: number): Promise<void> {
    while (this.unsettled > max) await this.queue.shift();
    if (this.failure) throw this.failure.reason;
  }

  all(): Promise<unknown> {
    return Promise.allSettled(this.queue);
  }
}

/** The digests of a body that fits in one block, on this thread. */
function inlineSession(algs: HashAlgorithm[]): HashSession {
  const hashes = algs.map(createHasher);
  return {
    update(block, length) {
      for (const h of hashes) h.update(block.bytes.subarray(0, length));
      return Promise.resolve();
    },
    digest: () => Promise.resolve(hashes.map((h) => h.digest())),
    abort: () => undefined,
  };
}

/**
 * Feeds `source`'s chunks to `take` in order; while a promise `take` returned is pending, the stream
 * is paused (chunks still arriving wait their turn). Async iteration would instead join the chunks
 * buffered meanwhile into a new buffer: a copy. A failure of the stream or of `take` destroys the
 * stream and rejects.
 */
function eachChunk(source: Readable, take: (chunk: Buffer) => Promise<void> | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    let pending: Promise<void> | undefined;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      cleanup();
      source.destroy();
      reject(e);
    };
    const wait = (p: Promise<void>) => {
      pending = p;
      source.pause();
      p.then(() => {
        if (pending !== p || failed) return;
        pending = undefined;
        source.resume();
      }, fail);
    };
    const onData = (chunk: Buffer) => {
      if (failed) return;
      if (pending) return wait(pending.then(() => (failed ? undefined : take(chunk))));
      try {
        const p = take(chunk);
        if (p) wait(p);
      } catch (e) {
        fail(e);
      }
    };
    const cleanup = finished(source, (e) => {
      if (e) return fail(e);
      void (pending ?? Promise.resolve()).then(() => {
        if (failed) return;
        cleanup();
        resolve();
      }, fail);
    });
    source.on('data', onData);
  });
}

/**
 * Writes `source` sealed to a new file; size and digests are the plaintext's: MD5, SHA-256 when
 * `sha256`, and `checksum`'s in the result's `checksumDigest`. More than `limit` bytes: BodyTooLargeError.
 */
export async function writeSealedBody(deps: SealedWriteDeps, source: Readable, limit: number, target: SealSpec, opts: { sha256: boolean; checksum?: ChecksumAlgorithm }): Promise<WrittenFile> {
  const threads = deps.hashThreads;
  threads?.warm();
  const algs: HashAlgorithm[] = ['MD5'];
  if (opts.sha256 || opts.checksum === 'SHA256') algs.push('SHA256');
  if (opts.checksum !== undefined && opts.checksum !== 'SHA256') algs.push(opts.checksum);
  const digestOf = (digests: Buffer[], a: HashAlgorithm | undefined) => (a === undefined ? undefined : digests[algs.indexOf(a)]);
  const acquire = (): SharedBlock => {
    if (threads) return threads.acquire();
    const sab = new SharedArrayBuffer(BLOCK_BYTES);
    return { id: 0, sab, bytes: Buffer.from(sab) };
  };
  const release = (b: SharedBlock) => threads?.release(b);
  const sealer = new SegmentSealer(target, target.baseNonce);
  const out = await deps.files.create();
  let session: HashSession | undefined;
  const hashing = new InFlight();
  const writing = new InFlight();
  let block: SharedBlock | undefined;
  let fill = 0;
  let size = 0;
  let started = false;

  /** Hashes, seals and appends the filled block; `final`: the body ends with it. A promise: wait before the next block. */
  const dispatch = (final: boolean): Promise<void> | undefined => {
    const b = block ?? acquire();
    block = undefined;
    session ??= final || !threads ? inlineSession(algs) : threads.session(algs);
    // Every block goes back to the pool once the threads are done reading it, whatever the outcome.
    hashing.add(session.update(b, fill).finally(() => release(b)));
    const pieces = started ? [] : [sealer.header()];
    started = true;
    // An empty body is one empty final chunk (object-chunks.ts).
    for (let at = 0; at < fill || (at === 0 && final); at += CHUNK_BYTES) {
      const end = Math.min(fill, at + CHUNK_BYTES);
      pieces.push(...sealer.seal(b.bytes.subarray(at, end), final && end === fill));
    }
    writing.add(out.append(pieces));
    const writes = final ? 0 : WRITES_IN_FLIGHT;
    const hashes = final ? 0 : BLOCKS_IN_FLIGHT - 1;
    if (writing.unsettled <= writes && hashing.unsettled <= hashes && !final) return undefined;
    return (async () => {
      await writing.drain(writes);
      await hashing.drain(hashes);
    })();
  };

  /** Copies `chunk` from `from` into blocks; a full block goes out once a next byte shows it is not the last (the final flag). */
  const take = (chunk: Buffer, from = 0): Promise<void> | undefined => {
    for (let at = from; at < chunk.length;) {
      if (fill === BLOCK_BYTES) {
        const wait = dispatch(false);
        fill = 0;
        if (wait) return wait.then(() => take(chunk, at));
      }
      block ??= acquire();
      const n = Math.min(chunk.length - at, BLOCK_BYTES - fill);
      copyToShared(block.bytes, fill, chunk.subarray(at, at + n));
      fill += n;
      at += n;
    }
    return undefined;
  };

  try {
    await eachChunk(source, (chunk) => {
      size += chunk.length;
      if (size > limit) throw new BodyTooLargeError();
      return take(chunk);
    });
    await dispatch(true);
    const [digests, committed] = await Promise.allSettled([session!.digest(), out.commit()]);
    if (digests.status === 'rejected') {
      if (committed.status === 'fulfilled') await deps.files.remove([committed.value]);
      throw digests.reason;
    }
    if (committed.status === 'rejected') throw committed.reason;
    const checksumDigest = digestOf(digests.value, opts.checksum);
    return { fileId: committed.value, size, md5: digests.value[0]!, sha256: digestOf(digests.value, 'SHA256') ?? Buffer.alloc(0), ...(checksumDigest ? { checksumDigest } : {}) };
  } catch (e) {
    session?.abort();
    await Promise.allSettled([hashing.all(), writing.all()]);
    if (block) release(block);
    await out.discard();
    throw e;
  }
}
