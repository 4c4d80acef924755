import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { frameChunks } from '../../src/cli/envelope/frame-chunks.js';

async function recut(input: Buffer[], frame: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(input), frameChunks(frame), new Writable({ write: (c: Buffer, _e, cb) => (out.push(Buffer.from(c)), cb()) }));
  return out;
}

describe('frameChunks', () => {
  it('re-cuts any chunking into frame-sized chunks, the last one shorter, bytes unchanged', async () => {
    for (const frame of [1, 7, 4096, 65536]) {
      const input = Array.from({ length: 20 }, () => randomBytes(randomInt(0, 3 * frame + 2)));
      const total = Buffer.concat(input);
      const out = await recut(input, frame);
      assert.deepEqual(Buffer.concat(out), total);
      for (const c of out.slice(0, -1)) assert.equal(c.length, frame);
      if (out.length > 0) assert.ok(out.at(-1)!.length >= 1 && out.at(-1)!.length <= frame);
      assert.equal(out.length, Math.ceil(total.length / frame));
    }
  });

  it('passes nothing for empty input', async () => {
    assert.deepEqual(await recut([], 16), []);
  });
});
