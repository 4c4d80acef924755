/**
 * A large object streamed through multipart by @aws-sdk/lib-storage's Upload with the SDK's default
 * checksum behaviour (the upload created with CRC32, every part carrying its CRC32): the server's
 * resident memory stays bounded while the parts arrive and are joined, and the object read back
 * has the MD5 and size that were sent, with the COMPOSITE CRC32 of its parts.
 *
 * Size: LOCKSMITH_RELIABILITY=full → 1 GiB in 16 MiB parts; default → 96 MiB in 8 MiB parts.
 * RSS growth (VmRSS of the spawned server, sampled every 50 ms) must stay under 256 MiB.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { checksumBase64, compositeChecksum } from '../../src/crypto/checksums.js';
import { rootCredentials, spawnServer, type ServerProcess } from './lib/server-process.js';
import { bySize } from './lib/size.js';

const MiB = 1024 * 1024;
const TOTAL = bySize(96 * MiB, 1024 * MiB);
const PART = bySize(8 * MiB, 16 * MiB);
const MAX_GROWTH_KIB = 256 * 1024;

/** TOTAL bytes in 1 MiB pieces, each different (its index in the first four bytes). */
function* content(): Generator<Buffer> {
  for (let i = 0; i < TOTAL / MiB; i++) {
    const piece = Buffer.alloc(MiB, i % 251);
    piece.writeUInt32BE(i, 0);
    yield piece;
  }
}

describe('S3 large multipart upload (lib-storage, default CRC32): bounded server memory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-s3-mpu-'));
  let server: ServerProcess;
  let s3: S3Client;
  before(async () => {
    server = await spawnServer(dataDir, { serveArgs: ['--request-timeout-ms', '600000'] });
    // Retries as the SDK's default client does: a keep-alive socket the server closed while idle
    // (5 s) can be picked for the next part when the client's event loop was busy hashing a part.
    s3 = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', credentials: rootCredentials(dataDir), forcePathStyle: true, maxAttempts: 3 });
    await s3.send(new CreateBucketCommand({ Bucket: 'mpu' }));
  });
  after(async () => {
    s3?.destroy();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${TOTAL / MiB} MiB in ${PART / MiB} MiB parts, then read back`, { timeout: 900_000 }, async () => {
    const md5 = createHash('md5');
    const partSums: string[] = [];
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for (const piece of content()) {
      md5.update(piece);
      pending.push(piece);
      pendingBytes += piece.length;
      if (pendingBytes === PART) {
        partSums.push(checksumBase64('CRC32', Buffer.concat(pending)));
        pending = [];
        pendingBytes = 0;
      }
    }
    if (pendingBytes > 0) partSums.push(checksumBase64('CRC32', Buffer.concat(pending)));
    const expectedMd5 = md5.digest('hex');

    const baseline = server.rssKiB();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, server.rssKiB())), 50);
    const started = Date.now();
    let done;
    try {
      const upload = new Upload({ client: s3, params: { Bucket: 'mpu', Key: 'big.bin', Body: Readable.from(content()) }, partSize: PART, queueSize: 4 });
      done = await upload.done();
    } catch (e) {
      console.log(`server output:\n${server.output().slice(-4000)}`);
      throw e;
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, server.rssKiB());
    const seconds = (Date.now() - started) / 1000;
    console.log(`multipart ${TOTAL / MiB} MiB: RSS baseline ${baseline} KiB, peak ${peak} KiB, growth ${peak - baseline} KiB; ${(TOTAL / MiB / seconds).toFixed(1)} MiB/s`);
    assert.match(done.ETag ?? '', new RegExp(`-${partSums.length}"$`));
    assert.equal(done.ChecksumCRC32, compositeChecksum('CRC32', partSums));
    assert.ok(peak - baseline < MAX_GROWTH_KIB, `server RSS grew by ${peak - baseline} KiB`);

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'mpu', Key: 'big.bin', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ContentLength, TOTAL);
    assert.equal(head.ChecksumCRC32, done.ChecksumCRC32);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'big.bin' }));
    const back = createHash('md5');
    let size = 0;
    for await (const chunk of got.Body as Readable) {
      back.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    assert.equal(size, TOTAL);
    assert.equal(back.digest('hex'), expectedMd5);
  });
});
