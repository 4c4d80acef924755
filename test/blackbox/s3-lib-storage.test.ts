import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Harness } from './harness.js';

/**
 * @aws-sdk/lib-storage Upload with the SDK's default checksum behaviour (CRC32 "when supported"):
 * a stream body is cut into buffered parts, each sent with an x-amz-checksum-crc32 header.
 */
describe('@aws-sdk/lib-storage Upload with default checksums', () => {
  let h: Harness;
  let s3: S3Client;
  before(async () => {
    h = await Harness.start();
    s3 = new S3Client({ endpoint: h.endpoint, region: 'us-east-1', credentials: h.credentials, forcePathStyle: true, maxAttempts: 1 });
    (s3.config as unknown as { systemClockOffset: number }).systemClockOffset = h.clock.now().getTime() - Date.now();
    await s3.send(new CreateBucketCommand({ Bucket: 'libstorage' }));
  });
  after(() => h.stop());

  it('a 13 MiB stream goes up in three parts and comes back identical', async () => {
    const bytes = randomBytes(13 * 1024 * 1024);
    const chunks = Array.from({ length: 13 }, (_, i) => bytes.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
    const upload = new Upload({ client: s3, params: { Bucket: 'libstorage', Key: 'streamed.bin', Body: Readable.from(chunks) }, partSize: 5 * 1024 * 1024, queueSize: 2 });
    const done = await upload.done();
    assert.match(done.ETag ?? '', /-3"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'libstorage', Key: 'streamed.bin' }));
    const back = Buffer.from(await got.Body!.transformToByteArray());
    assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(bytes).digest('hex'));
  });
});
