/**
 * Adversarial tampering with stored S3 object bytes (src/crypto/object-chunks.ts): seeded random
 * bit flips, truncations, extensions, chunk swaps, duplicated and spliced chunks and segments, on
 * single- and multi-segment (multipart) objects, one or two layers, read back over random ranges.
 * Every read either yields exactly the right plaintext or fails with ChunkAuthenticationError —
 * and whatever it yielded before failing is a prefix of the right plaintext (never wrong bytes).
 *
 * Size: LOCKSMITH_RELIABILITY=full → 20,000 cases; default → 600.
 * Replay: LOCKSMITH_SEED_RELIABILITY=<seed> (printed).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { it } from 'node:test';
import { CHUNK_BYTES, ChunkAuthenticationError, decryptRange, encryptSegment, type StoredSegment } from '../../src/crypto/object-chunks.js';
import { Prng, runSeed } from './lib/prng.js';
import { bySize } from './lib/size.js';

const CASES = bySize(600, 20_000);
const SEALED = CHUNK_BYTES + 16;

it(`tampered object bytes never decrypt to wrong bytes (${CASES} cases)`, async () => {
  const seed = runSeed();
  console.log(`object-chunks tamper seed: ${seed} (LOCKSMITH_SEED_RELIABILITY=${seed} replays)`);
  const rng = new Prng(seed);
  let failures = 0;
  let intact = 0;
  for (let c = 0; c < CASES; c++) {
    const layers = rng.chance(0.2) ? 2 : 1;
    const keys = Array.from({ length: layers }, () => rng.bytes(32));
    const binding = Buffer.from(`arn:aws:s3:::b/${rng.int(0, 3)}`);
    const nSegs = rng.chance(0.4) ? rng.int(2, 3) : 1;
    const sizes = Array.from({ length: nSegs }, () => rng.pick([0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, rng.int(0, 3 * CHUNK_BYTES)]));
    const segs: StoredSegment[] = sizes.map((plainSize, i) => ({ keys, binding, segment: nSegs === 1 ? 0 : i + 1, plainSize }));
    const plains = sizes.map((n) => rng.bytes(n));
    const stored = segs.map((s, i) => encryptSegment(s, rng.bytes(12), plains[i]!));
    const plain = Buffer.concat(plains);
    let file = Buffer.concat(stored);
    const original = file;
    switch (rng.int(0, 6)) {
      case 0: { // flip one bit
        const t = Buffer.from(file);
        const at = rng.int(0, t.length - 1);
        t[at]! ^= 1 << rng.int(0, 7);
        file = t;
        break;
      }
      case 1: // truncate
        file = file.subarray(0, rng.int(0, Math.max(0, file.length - 1)));
        break;
      case 2: // extend with garbage
        file = Buffer.concat([file, rng.bytes(rng.int(1, 40))]);
        break;
      case 3: { // swap two sealed chunks of the first segment
        const n = Math.floor((stored[0]!.length - 16) / SEALED);
        if (n >= 2) {
          const a = rng.int(0, n - 2);
          const A = file.subarray(16 + a * SEALED, 16 + (a + 1) * SEALED);
          const B = file.subarray(16 + (a + 1) * SEALED, 16 + (a + 2) * SEALED);
          file = Buffer.concat([file.subarray(0, 16 + a * SEALED), B, A, file.subarray(16 + (a + 2) * SEALED)]);
        }
        break;
      }
      case 4: // segments reordered
        if (nSegs >= 2) file = Buffer.concat([...stored].reverse());
        break;
      case 5: { // a chunk spliced from an object with another binding, same key and nonce
        const other = encryptSegment({ ...segs[0]!, binding: Buffer.from('arn:aws:s3:::other/x') }, original.subarray(4, 16), plains[0]!);
        const len = Math.min(other.length, stored[0]!.length);
        if (len > 16) file = Buffer.concat([original.subarray(0, 16), other.subarray(16, len), original.subarray(len)]);
        break;
      }
      default: { // header byte changed
        const t = Buffer.from(file);
        if (t.length > 0) t[rng.int(0, Math.min(15, t.length - 1))]! ^= 0x80;
        file = t;
      }
    }
    if (plain.length === 0) continue;
    const start = rng.int(0, plain.length - 1);
    const end = rng.int(start, plain.length - 1);
    const got: Buffer[] = [];
    let error: unknown;
    try {
      for await (const b of decryptRange(segs, (s, e) => Readable.from([file.subarray(s, e + 1)]), start, end)) got.push(b);
    } catch (e) {
      error = e;
    }
    const out = Buffer.concat(got);
    const want = plain.subarray(start, end + 1);
    if (error !== undefined) {
      assert.ok(error instanceof ChunkAuthenticationError, `case ${c}: unexpected error ${String(error)}`);
      assert.ok(want.subarray(0, out.length).equals(out), `case ${c}: bytes before the failure are not the plaintext`);
      failures++;
    } else {
      assert.ok(out.equals(want), `case ${c}: wrong bytes returned without an error`);
      intact++;
    }
  }
  // Both outcomes occur: tampering outside the range (or a no-op) reads fine, inside it fails.
  assert.ok(failures > 0 && intact > 0, `failures ${failures}, intact ${intact}`);
});
