/**
 * kill -9 during concurrent PutObjects: every PUT that was acknowledged (200 with its ETag) is
 * readable byte-exact after a restart, and no temporary or orphaned object file is left behind.
 *
 * Size: LOCKSMITH_RELIABILITY=full → kill after 400 acknowledged PUTs; default → after 40.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { rootCredentials, spawnServer, type ServerProcess } from './lib/server-process.js';
import { bySize } from './lib/size.js';

const KILL_AFTER = bySize(40, 400);
const WRITERS = 6;

const client = (s: ServerProcess, dataDir: string) =>
  new S3Client({ endpoint: s.endpoint, region: 'us-east-1', credentials: rootCredentials(dataDir), forcePathStyle: true, maxAttempts: 1, requestChecksumCalculation: 'WHEN_REQUIRED' });

describe('S3 crash safety: kill -9 during concurrent PUTs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-s3-crash-'));
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const s of servers) await s.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('acknowledged objects survive; no torn or orphaned files', async () => {
    const first = await spawnServer(dataDir);
    servers.push(first);
    const s3 = client(first, dataDir);
    await s3.send(new CreateBucketCommand({ Bucket: 'crash' }));
    const acked = new Map<string, string>();
    /** Per key (each written by one writer, in order): the bodies sent since its last acknowledged PUT. */
    const since = new Map<string, string[]>();
    let killed = false;
    let acknowledgements = 0;
    const writer = async (w: number) => {
      for (let i = 0; !killed; i++) {
        const key = `w${w}/${i % 7}`; // overwrites too
        const body = randomBytes(1024 + ((w * 7919 + i * 104729) % (256 * 1024)));
        const md5 = createHash('md5').update(body).digest('hex');
        since.set(key, [...(since.get(key) ?? []), md5]);
        try {
          await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: key, Body: body }));
          acked.set(key, md5);
          since.set(key, [md5]);
          if (++acknowledgements >= KILL_AFTER && !killed) {
            killed = true;
            first.proc.kill('SIGKILL');
          }
        } catch {
          // refused or cut by the kill: not acknowledged
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await first.exited;
    s3.destroy();
    const second = await spawnServer(dataDir);
    servers.push(second);
    const again = client(second, dataDir);
    for (const key of acked.keys()) {
      const got = Buffer.from(await (await again.send(new GetObjectCommand({ Bucket: 'crash', Key: key }))).Body!.transformToByteArray());
      // The last acknowledged body, or a later one whose PUT committed without its answer arriving.
      const stored = createHash('md5').update(got).digest('hex');
      assert.ok(since.get(key)!.includes(stored), `${key}: neither the acknowledged body nor a later whole one`);
    }
    assert.ok(acked.size > 0);
    const listed = await again.send(new ListObjectsV2Command({ Bucket: 'crash' }));
    assert.ok((listed.KeyCount ?? 0) >= new Set(acked.keys()).size);
    const files = readdirSync(join(dataDir, 'objects')).filter((f) => f !== 'tmp');
    assert.equal(files.length, listed.KeyCount, 'one file per object, no orphans');
    assert.deepEqual(readdirSync(join(dataDir, 'objects', 'tmp')), []);
    for (const c of (listed.Contents ?? [])) {
      const body = Buffer.from(await (await again.send(new GetObjectCommand({ Bucket: 'crash', Key: c.Key! }))).Body!.transformToByteArray());
      assert.equal(`"${createHash('md5').update(body).digest('hex')}"`, c.ETag, `${c.Key}: bytes match the committed ETag`);
    }
    again.destroy();
  });
});
