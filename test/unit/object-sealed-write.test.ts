import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { encryptSegment } from '../../src/crypto/object-chunks.js';
import { HashThreads } from '../../src/crypto/hash-threads.js';
import { crc32, crc32c } from '../../src/crypto/crc32-fast.js';
import { BodyTooLargeError, localObjectFiles } from '../../src/store/object-files.js';
import { writeSealedBody, type SealSpec } from '../../src/services/s3/sse/sealed-write.js';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'sealed-write-'));
const files = localObjectFiles(dir);
const threads = new HashThreads();
after(async () => {
  await threads.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (layers = 1): SealSpec => ({ keys: Array.from({ length: layers }, () => randomBytes(32)), binding: Buffer.from('arn:aws:s3:::b/k'), segment: 3, baseNonce: randomBytes(12) });
/** `body` in pieces of `piece` bytes (a socket's reads), optionally failing after `failAt` bytes. */
function source(body: Buffer, piece: number, failAt?: number, onByte?: (at: number) => void): Readable {
  let at = 0;
  return new Readable({
    read() {
      if (failAt !== undefined && at >= failAt) return void this.destroy(new Error('aborted'));
      if (at >= body.length) return void this.push(null);
      onByte?.(at);
      const n = Math.min(piece, body.length - at);
      this.push(body.subarray(at, at + n));
      at += n;
    },
  });
}
const leftovers = () => [...readdirSync(join(dir, 'tmp')), ...readdirSync(dir).filter((n) => n !== 'tmp')];
const digest = (alg: string, b: Buffer) => createHash(alg).update(b).digest();

describe('sealed object writes (sse/sealed-write.ts)', () => {
  it('leaves no plaintext in the pooled blocks it gives back', async () => {
    const own = new HashThreads({ pooledBlocks: 16 });
    try {
      const body = Buffer.alloc(5 * MiB, 0xa5);
      const written = await writeSealedBody({ files, hashThreads: own }, source(body, 65536), 64 * MiB, spec(), { sha256: false });
      await files.remove([written.fileId]);
      const pooled = Array.from({ length: 16 }, () => own.acquire());
      assert.ok(pooled.every((b) => !b.bytes.includes(0xa5)), 'a pooled block still holds object plaintext');
    } finally {
      await own.close();
    }
  });

  for (const [label, size, piece, layers] of [
    ['empty', 0, 1000, 1], ['one byte', 1, 1, 1], ['one chunk exactly', 64 * 1024, 7000, 2], ['one block exactly', MiB, 65536, 1],
    ['one block and a byte', MiB + 1, 65536, 2], ['several blocks, odd pieces', 5 * MiB + 12345, 100_003, 1], ['twelve blocks', 12 * MiB, MiB, 1],
  ] as const) {
    for (const withThreads of [true, false]) {
      it(`${label} (${size} bytes, ${layers} layer(s), ${withThreads ? 'hash threads' : 'this thread'}): the same bytes as encryptSegment, the plaintext's digests`, async () => {
        const body = randomBytes(size);
        const s = spec(layers);
        const written = await writeSealedBody({ files, ...(withThreads ? { hashThreads: threads } : {}) }, source(body, piece), 64 * MiB, s, { sha256: true });
        assert.equal(written.size, size);
        assert.deepEqual(written.md5, digest('md5', body));
        assert.deepEqual(written.sha256, digest('sha256', body));
        const stored = readFileSync(join(dir, written.fileId));
        assert.ok(stored.equals(encryptSegment(s, s.baseNonce, body)), 'ciphertext differs from encryptSegment');
        await files.remove([written.fileId]);
        assert.deepEqual(leftovers(), []);
      });
    }
  }

  it('concurrent bodies share the threads and the pooled blocks: each gets its own bytes and digests', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => randomBytes(2 * MiB + i * 300_001));
    const specs = bodies.map(() => spec());
    const written = await Promise.all(bodies.map((b, i) => writeSealedBody({ files, hashThreads: threads }, source(b, 65536 + i), 64 * MiB, specs[i]!, { sha256: i % 2 === 0 })));
    for (const [i, w] of written.entries()) {
      assert.deepEqual(w.md5, digest('md5', bodies[i]!));
      if (i % 2 === 0) assert.deepEqual(w.sha256, digest('sha256', bodies[i]!));
      assert.ok(readFileSync(join(dir, w.fileId)).equals(encryptSegment(specs[i]!, specs[i]!.baseNonce, bodies[i]!)));
    }
    await files.remove(written.map((w) => w.fileId));
  });

  // The x-amz-checksum-* digest a PutObject, UploadPart or copy asks for, computed beside MD5 (on the
  // hash threads for a body over one block, here for a smaller one): known values from crc32-fast.ts
  // (itself pinned to the RFC 3720 / zlib check values in checksums.test.ts) and node:crypto.
  const crcBytes = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  for (const size of [1000, 3 * MiB + 5]) {
    for (const [algorithm, expected] of [
      ['CRC32C', (b: Buffer) => crcBytes(crc32c(b, 0))],
      ['CRC32', (b: Buffer) => crcBytes(crc32(b, 0))],
      ['SHA1', (b: Buffer) => digest('sha1', b)],
      ['SHA256', (b: Buffer) => digest('sha256', b)],
    ] as const) {
      it(`computes the ${algorithm} checksum of a ${size}-byte body with its other digests`, async () => {
        const body = randomBytes(size);
        const written = await writeSealedBody({ files, hashThreads: threads }, source(body, 65536), 64 * MiB, spec(), { sha256: false, checksum: algorithm });
        assert.deepEqual(written.checksumDigest, expected(body));
        assert.deepEqual(written.md5, digest('md5', body));
        // SHA256 as the checksum is also the body's SHA-256; otherwise that was not asked for.
        assert.deepEqual(written.sha256, algorithm === 'SHA256' ? digest('sha256', body) : Buffer.alloc(0));
        await files.remove([written.fileId]);
      });
    }
  }

  it('skips SHA-256 when not asked', async () => {
    const body = randomBytes(3 * MiB);
    const written = await writeSealedBody({ files, hashThreads: threads }, source(body, 65536), 64 * MiB, spec(), { sha256: false });
    assert.deepEqual(written.md5, digest('md5', body));
    assert.equal(written.sha256.length, 0);
    await files.remove([written.fileId]);
  });

  it('a body past the limit fails with BodyTooLargeError and leaves no file', async () => {
    await assert.rejects(writeSealedBody({ files, hashThreads: threads }, source(randomBytes(6 * MiB), 65536), 4 * MiB, spec(), { sha256: true }), BodyTooLargeError);
    assert.deepEqual(leftovers(), []);
  });

  it('a body whose stream fails midway (client abort) leaves no file', async () => {
    await assert.rejects(writeSealedBody({ files, hashThreads: threads }, source(randomBytes(6 * MiB), 65536, 3 * MiB), 64 * MiB, spec(), { sha256: true }), /aborted/);
    assert.deepEqual(leftovers(), []);
  });

  it('hash threads going away mid-body fail the write (no hang) and leave no file; new threads serve the next body', async () => {
    const own = new HashThreads();
    await assert.rejects(writeSealedBody({ files, hashThreads: own }, source(randomBytes(8 * MiB), 65536, undefined, (at) => {
      if (at === 4 * MiB) void own.close();
    }), 64 * MiB, spec(), { sha256: true }));
    assert.deepEqual(leftovers(), []);
    // A crashed thread is replaced: the pool's threads stay usable.
    const crashing = new HashThreads({ threads: 1 });
    const body = randomBytes(4 * MiB);
    await assert.rejects(writeSealedBody({ files, hashThreads: crashing }, source(body, 65536, undefined, (at) => {
      if (at === 2 * MiB) void (crashing as unknown as { threads: Array<{ worker: { terminate(): Promise<number> } }> }).threads[0]!.worker.terminate();
    }), 64 * MiB, spec(), { sha256: false }));
    assert.deepEqual(leftovers(), []);
    const written = await writeSealedBody({ files, hashThreads: crashing }, source(body, 65536), 64 * MiB, spec(), { sha256: false });
    assert.deepEqual(written.md5, digest('md5', body));
    await files.remove([written.fileId]);
    await crashing.close();
  });
});
