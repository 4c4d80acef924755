/**
 * Multipart completion concatenates the part files (ObjectFiles.concat): many parts make one file
 * with the bytes in order and their MD5, through one pipeline — a pipeline per part added
 * listeners to the output per part (MaxListenersExceededWarning past 10 parts).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { BodyTooLargeError, localObjectFiles } from '../../src/store/object-files.js';

const dir = mkdtempSync(join(tmpdir(), 'locksmith-concat-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('object files: concat', () => {
  it('joins 40 parts in order, with their MD5, and no listener warning', async () => {
    const files = localObjectFiles(dir);
    const parts = Array.from({ length: 40 }, (_, i) => randomBytes(1000 + i * 37));
    const ids: string[] = [];
    for (const p of parts) ids.push((await files.write(Readable.from([p]), 1 << 20)).fileId);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const joined = await files.concat(ids);
      await new Promise((r) => setImmediate(r));
      const whole = Buffer.concat(parts);
      assert.equal(joined.size, whole.length);
      assert.deepEqual(joined.md5, createHash('md5').update(whole).digest());
      assert.deepEqual(readFileSync(join(dir, joined.fileId)), whole);
      assert.deepEqual(warnings.map((w) => w.name), []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('still refuses a body past its limit', async () => {
    const files = localObjectFiles(dir);
    await assert.rejects(files.write(Readable.from([randomBytes(600), randomBytes(600)]), 1000), BodyTooLargeError);
  });
});
