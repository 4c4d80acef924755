import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CHUNK_BYTES, ChunkAuthenticationError, decryptRange, encryptSegment, encryptedSegmentSize, segmentEncryptor, type StoredSegment,
} from '../../src/crypto/object-chunks.js';

interface Vector {
  description: string;
  keys: string[];
  binding: string;
  segment: number;
  baseNonce: string;
  plaintext?: string;
  plaintextGenerator?: { length: number; multiplier: number; modulus: number };
  ciphertext?: string;
  ciphertextLength?: number;
  ciphertextSha256?: string;
}

const file = JSON.parse(readFileSync(join(import.meta.dirname, '../vectors/object-chunks-v1.json'), 'utf8')) as { vectors: Vector[] };
const plaintextOf = (v: Vector) => v.plaintext !== undefined
  ? Buffer.from(v.plaintext, 'hex')
  : Buffer.from(Array.from({ length: v.plaintextGenerator!.length }, (_, i) => (i * v.plaintextGenerator!.multiplier) % v.plaintextGenerator!.modulus));
const keysOf = (v: Vector) => ({ keys: v.keys.map((k) => Buffer.from(k, 'hex')), binding: Buffer.from(v.binding), segment: v.segment });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A stored file as a ReadRange. */
const reader = (stored: Buffer) => (start: number, end: number) => Readable.from([stored.subarray(start, end + 1)]);
async function collect(gen: AsyncGenerator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of gen) parts.push(b);
  return Buffer.concat(parts);
}
async function streamEncrypt(seg: Omit<StoredSegment, 'plainSize'>, nonce: Buffer, plain: Buffer, piece: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < plain.length; i += piece) pieces.push(plain.subarray(i, i + piece));
  const out: Buffer[] = [];
  const enc = segmentEncryptor(seg, nonce);
  enc.on('data', (b: Buffer) => out.push(b));
  await pipeline(Readable.from(pieces), enc);
  return Buffer.concat(out);
}

describe('object chunks: known-answer vectors', () => {
  for (const v of file.vectors) {
    it(v.description, async () => {
      const plain = plaintextOf(v);
      const nonce = Buffer.from(v.baseNonce, 'hex');
      const ct = encryptSegment(keysOf(v), nonce, plain);
      if (v.ciphertext !== undefined) assert.equal(ct.toString('hex'), v.ciphertext);
      else {
        assert.equal(ct.length, v.ciphertextLength);
        assert.equal(sha256(ct), v.ciphertextSha256);
      }
      assert.equal(ct.length, encryptedSegmentSize(plain.length, v.keys.length));
      // The streaming encryptor writes the same bytes, whatever the pieces it is fed.
      assert.equal(sha256(await streamEncrypt(keysOf(v), nonce, plain, 4093)), sha256(ct));
      const back = await collect(decryptRange([{ ...keysOf(v), plainSize: plain.length }], reader(ct), 0, Math.max(0, plain.length - 1)));
      assert.equal(sha256(back), sha256(plain.length === 0 ? Buffer.alloc(0) : plain));
    });
  }

  it('the first vector is plain AES-256-GCM with the documented nonce and AAD (independent check)', () => {
    const v = file.vectors[0]!;
    const key = Buffer.from(v.keys[0]!, 'hex');
    const nonce = Buffer.from(v.baseNonce, 'hex'); // chunk 0: base XOR 0
    const aad = Buffer.concat([Buffer.from('locksmith:s3-chunk:v1'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from(v.binding)]);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    c.setAAD(aad);
    const body = Buffer.concat([c.update(plaintextOf(v)), c.final(), c.getAuthTag()]);
    const header = Buffer.concat([Buffer.from([1, 1, 0, 0]), nonce]);
    assert.equal(Buffer.concat([header, body]).toString('hex'), v.ciphertext);
  });
});

describe('object chunks: ranges', () => {
  const seg = { keys: [Buffer.alloc(32, 7)], binding: Buffer.from('arn:aws:s3:::b/k'), segment: 0 };
  const plain = Buffer.from(Array.from({ length: 3 * CHUNK_BYTES + 123 }, (_, i) => (i * 31 + 5) & 0xff));
  // High bits set in the base nonce: the XOR with the index stays an unsigned 32-bit word.
  const ct = encryptSegment(seg, Buffer.alloc(12, 0xf9), plain);
  const ranges: Array<[number, number]> = [
    [0, 0], [CHUNK_BYTES - 1, CHUNK_BYTES], [CHUNK_BYTES, 2 * CHUNK_BYTES - 1], [10, plain.length - 1],
    [plain.length - 1, plain.length - 1], [CHUNK_BYTES - 3, 3 * CHUNK_BYTES + 2], [0, plain.length - 1],
  ];
  for (const [s, e] of ranges) {
    it(`bytes ${s}-${e} are exact`, async () => {
      assert.deepEqual(await collect(decryptRange([{ ...seg, plainSize: plain.length }], reader(ct), s, e)), plain.subarray(s, e + 1));
    });
  }

  it('reads only the chunks a range touches', async () => {
    const reads: Array<[number, number]> = [];
    const r = (s: number, e: number) => {
      reads.push([s, e]);
      return reader(ct)(s, e);
    };
    await collect(decryptRange([{ ...seg, plainSize: plain.length }], r, CHUNK_BYTES + 5, CHUNK_BYTES + 10));
    const sealed = CHUNK_BYTES + 16;
    assert.deepEqual(reads, [[0, 15], [16 + sealed, 16 + 2 * sealed - 1]]);
  });

  it('ranges across segments (parts) are exact', async () => {
    const a = { ...seg, segment: 1 };
    const b = { ...seg, segment: 2 };
    const pa = plain.subarray(0, CHUNK_BYTES + 7);
    const pb = plain.subarray(100, 100 + 2 * CHUNK_BYTES);
    const stored = Buffer.concat([encryptSegment(a, Buffer.alloc(12, 1), pa), encryptSegment(b, Buffer.alloc(12, 2), pb)]);
    const whole = Buffer.concat([pa, pb]);
    const segs = [{ ...a, plainSize: pa.length }, { ...b, plainSize: pb.length }];
    for (const [s, e] of [[pa.length - 10, pa.length + 10], [0, whole.length - 1], [pa.length, pa.length], [5, pa.length - 1]] as const) {
      assert.deepEqual(await collect(decryptRange(segs, reader(stored), s, e)), whole.subarray(s, e + 1));
    }
  });
});

describe('object chunks: tampering is detected, never returned', () => {
  const seg = { keys: [Buffer.alloc(32, 3)], binding: Buffer.from('arn:aws:s3:::b/one'), segment: 0 };
  const plain = Buffer.from(Array.from({ length: 2 * CHUNK_BYTES + 10 }, (_, i) => i & 0xff));
  const ct = encryptSegment(seg, Buffer.alloc(12, 4), plain);
  const sealed = CHUNK_BYTES + 16;
  const stored = [{ ...seg, plainSize: plain.length }];

  async function refuses(bytes: Buffer, segs: StoredSegment[] = stored, start = 0, end = plain.length - 1) {
    const got: Buffer[] = [];
    await assert.rejects(async () => {
      for await (const b of decryptRange(segs, reader(bytes), start, end)) got.push(b);
    }, ChunkAuthenticationError);
    // Whatever came out before the failure is a prefix of the true plaintext (authenticated chunks only).
    const prefix = Buffer.concat(got);
    assert.deepEqual(prefix, plain.subarray(start, start + prefix.length));
  }

  it('a flipped bit in a chunk', async () => {
    const t = Buffer.from(ct);
    t[16 + sealed + 100]! ^= 0x01;
    await refuses(t);
  });
  it('a flipped bit in a tag', async () => {
    const t = Buffer.from(ct);
    t[t.length - 1]! ^= 0x80;
    await refuses(t);
  });
  it('a flipped bit in the header (base nonce)', async () => {
    const t = Buffer.from(ct);
    t[8]! ^= 0x01;
    await refuses(t);
  });
  it('the last chunk dropped (truncation at a chunk boundary)', async () => {
    await refuses(ct.subarray(0, 16 + 2 * sealed), [{ ...seg, plainSize: 2 * CHUNK_BYTES }]);
  });
  it('the last chunk dropped, size metadata unchanged', async () => {
    await refuses(ct.subarray(0, 16 + 2 * sealed));
  });
  it('two chunks swapped', async () => {
    const t = Buffer.concat([ct.subarray(0, 16), ct.subarray(16 + sealed, 16 + 2 * sealed), ct.subarray(16, 16 + sealed), ct.subarray(16 + 2 * sealed)]);
    await refuses(t);
  });
  it('a chunk spliced in from another object under the same key', async () => {
    const other = encryptSegment({ ...seg, binding: Buffer.from('arn:aws:s3:::b/two') }, Buffer.alloc(12, 4), plain);
    const t = Buffer.concat([ct.subarray(0, 16 + sealed), other.subarray(16 + sealed, 16 + 2 * sealed), ct.subarray(16 + 2 * sealed)]);
    await refuses(t);
  });
  it('a whole part moved to another position (segment number bound)', async () => {
    const p1 = encryptSegment({ ...seg, segment: 1 }, Buffer.alloc(12, 1), plain);
    const p2 = encryptSegment({ ...seg, segment: 2 }, Buffer.alloc(12, 2), plain);
    const segs = [{ ...seg, segment: 1, plainSize: plain.length }, { ...seg, segment: 2, plainSize: plain.length }];
    await refuses(Buffer.concat([p2, p1]), segs, 0, 2 * plain.length - 1);
  });
  it('a non-final chunk presented as the last one (size metadata shortened)', async () => {
    await refuses(ct, [{ ...seg, plainSize: CHUNK_BYTES }], 0, CHUNK_BYTES - 1);
  });
  it('the wrong key', async () => {
    await refuses(ct, [{ ...seg, keys: [Buffer.alloc(32, 5)], plainSize: plain.length }]);
  });
});

describe('object chunks: the stored bytes a range needs', () => {
  it('the first touched segment header, then one contiguous run to the last touched chunk', async () => {
    const { storedRangeOf } = await import('../../src/crypto/object-chunks.js');
    const k = { keys: [Buffer.alloc(32, 1)], binding: Buffer.from('b'), segment: 1 };
    const sealed = CHUNK_BYTES + 16;
    const segs = [{ ...k, plainSize: 2 * CHUNK_BYTES }, { ...k, segment: 2, plainSize: 3 * CHUNK_BYTES + 10 }];
    const seg1File = 16 + 2 * sealed;
    // Inside segment 1, chunk 1 only.
    assert.deepEqual(storedRangeOf(segs, CHUNK_BYTES + 1, CHUNK_BYTES + 2), { header: [0, 15], body: [16 + sealed, 16 + 2 * sealed - 1] });
    // From segment 1 chunk 1 into segment 2 chunk 1: header of segment 1, then contiguous.
    assert.deepEqual(storedRangeOf(segs, CHUNK_BYTES, 2 * CHUNK_BYTES + CHUNK_BYTES + 5), { header: [0, 15], body: [16 + sealed, seg1File + 16 + 2 * sealed - 1] });
    // Only segment 2's last (short) chunk.
    const last = 2 * CHUNK_BYTES + 3 * CHUNK_BYTES + 5;
    assert.deepEqual(storedRangeOf(segs, last, last), { header: [seg1File, seg1File + 15], body: [seg1File + 16 + 3 * sealed, seg1File + 16 + 3 * sealed + 10 + 16 - 1] });
    assert.equal(storedRangeOf(segs, 5, 4), undefined);
  });
});
