import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Harness, s3Client } from './harness.js';
import { testStore } from '../lib/test-store.js';

/** Object bytes on disk: one file per live object, named by the store; orphans removed at start. */
describe('S3 storage: object files and restart cleanup', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-s3-storage-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const objectFiles = () => readdirSync(join(dataDir, 'objects')).filter((f) => f !== 'tmp');

  it('overwrites and deletes remove the replaced files; concurrent PUTs of one key leave one whole object', async () => {
    const h = await Harness.start({ dataDir });
    try {
      const s3 = s3Client(h);
      await s3.send(new CreateBucketCommand({ Bucket: 'store' }));
      await s3.send(new PutObjectCommand({ Bucket: 'store', Key: '../../escape', Body: 'one' }));
      await s3.send(new PutObjectCommand({ Bucket: 'store', Key: '../../escape', Body: 'two' }));
      await s3.send(new PutObjectCommand({ Bucket: 'store', Key: 'gone', Body: 'x' }));
      await s3.send(new DeleteObjectCommand({ Bucket: 'store', Key: 'gone' }));
      assert.equal(objectFiles().length, 1);
      for (const f of objectFiles()) assert.match(f, /^[0-9a-f]{32}$/); // never derived from the key
      const bodies = Array.from({ length: 8 }, (_, i) => `${i}:`.padEnd(64 * 1024, String(i)));
      await Promise.all(bodies.map((Body) => s3.send(new PutObjectCommand({ Bucket: 'store', Key: 'race', Body }))));
      const got = await (await s3.send(new GetObjectCommand({ Bucket: 'store', Key: 'race' }))).Body!.transformToString();
      assert.ok(bodies.includes(got));
      assert.equal(objectFiles().length, 2);
    } finally {
      await h.stop();
    }
  });

  it('a restart removes temporary and unreferenced files and keeps every committed object', async () => {
    const temp = join(dataDir, 'objects', 'tmp', randomBytes(16).toString('hex'));
    writeFileSync(temp, 'half-written');
    const orphan = randomBytes(16).toString('hex');
    writeFileSync(join(dataDir, 'objects', orphan), 'renamed but never committed');
    if (testStore() === 'postgres') {
      // Other nodes may share the files: only files untouched for an hour are orphans there (app.ts).
      const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
      for (const f of [temp, join(dataDir, 'objects', orphan)]) utimesSync(f, twoHoursAgo, twoHoursAgo);
    }
    const h = await Harness.start({ dataDir });
    try {
      assert.deepEqual(readdirSync(join(dataDir, 'objects', 'tmp')), []);
      assert.equal(existsSync(join(dataDir, 'objects', orphan)), false);
      const s3 = s3Client(h);
      assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'store', Key: '../../escape' }))).Body!.transformToString(), 'two');
      assert.equal(objectFiles().length, 2);
    } finally {
      await h.stop();
    }
  });
});
