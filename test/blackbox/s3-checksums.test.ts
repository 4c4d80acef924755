import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, ListPartsCommand,
  PutObjectCommand, S3Client, UploadPartCommand, type ChecksumAlgorithm,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { checksumBase64, compositeChecksum } from '../../src/crypto/checksums.js';
import { awsCliEnv, awsError, Harness, s3Client } from './harness.js';

const run = promisify(execFile);
const ALGORITHMS = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const;
const field = (a: (typeof ALGORITHMS)[number]) => `Checksum${a}` as 'ChecksumCRC32';
const MiB = 1024 * 1024;

/**
 * S3 additional checksums (S3 User Guide, "Checking object integrity") with the SDK's default
 * checksum behaviour (CRC32 when supported, response validation with ChecksumMode), lib-storage
 * multipart and the aws CLI: verified on upload, stored, returned with x-amz-checksum-mode.
 */
describe('S3 checksums: x-amz-checksum-* verified, stored and returned', () => {
  let h: Harness;
  let s3: S3Client; // the SDK's defaults: checksums computed and validated when supported
  let plain: S3Client; // checksums only when the test names them
  before(async () => {
    h = await Harness.start();
    s3 = new S3Client({ endpoint: h.endpoint, region: 'us-east-1', credentials: h.credentials, forcePathStyle: true, maxAttempts: 1 });
    (s3.config as unknown as { systemClockOffset: number }).systemClockOffset = h.clock.now().getTime() - Date.now();
    plain = s3Client(h);
    await s3.send(new CreateBucketCommand({ Bucket: 'sums' }));
  });
  after(() => h.stop());

  for (const algorithm of ALGORITHMS) {
    it(`PutObject with ${algorithm}: returned on PUT, on GET/HEAD with ChecksumMode ENABLED (SDK-validated), not on a Range`, async () => {
      const body = randomBytes(100_000);
      const expected = checksumBase64(algorithm, body);
      const put = await s3.send(new PutObjectCommand({ Bucket: 'sums', Key: `k-${algorithm}`, Body: body, ChecksumAlgorithm: algorithm as ChecksumAlgorithm }));
      assert.equal(put[field(algorithm)], expected);
      assert.equal(put.ChecksumType, 'FULL_OBJECT');
      const got = await s3.send(new GetObjectCommand({ Bucket: 'sums', Key: `k-${algorithm}`, ChecksumMode: 'ENABLED' }));
      assert.equal(got[field(algorithm)], expected);
      assert.equal(got.ChecksumType, 'FULL_OBJECT');
      assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'sums', Key: `k-${algorithm}`, ChecksumMode: 'ENABLED' }));
      assert.equal(head[field(algorithm)], expected);
      const without = await plain.send(new HeadObjectCommand({ Bucket: 'sums', Key: `k-${algorithm}` }));
      assert.equal(without[field(algorithm)], undefined, 'only when asked for');
      const ranged = await s3.send(new GetObjectCommand({ Bucket: 'sums', Key: `k-${algorithm}`, ChecksumMode: 'ENABLED', Range: 'bytes=0-9' }));
      assert.equal(ranged[field(algorithm)], undefined, 'a whole-object checksum does not describe a range');
      assert.deepEqual(Buffer.from(await ranged.Body!.transformToByteArray()), body.subarray(0, 10));
    });
  }

  it('a wrong checksum header is BadDigest and nothing is stored; a malformed one or two of them is InvalidRequest', async () => {
    const body = Buffer.from('123456789');
    for (const algorithm of ALGORITHMS) {
      const wrong = checksumBase64(algorithm, Buffer.from('something else'));
      const e = await awsError(() => plain.send(new PutObjectCommand({ Bucket: 'sums', Key: 'bad', Body: body, [field(algorithm)]: wrong })));
      assert.deepEqual(e, { name: 'BadDigest', message: `The ${algorithm} you specified did not match the calculated checksum.`, status: 400 });
    }
    assert.equal((await awsError(() => plain.send(new HeadObjectCommand({ Bucket: 'sums', Key: 'bad' })))).status, 404);
    // Not canonical base64 of four bytes (the last character carries bits past the digest).
    const invalid = await awsError(() => plain.send(new PutObjectCommand({ Bucket: 'sums', Key: 'bad', Body: body, ChecksumCRC32: 'y/Q5Jh==' })));
    assert.deepEqual(invalid, { name: 'InvalidRequest', message: 'Value for x-amz-checksum-crc32 header is invalid.', status: 400 });
    const two = await awsError(() => plain.send(new PutObjectCommand({ Bucket: 'sums', Key: 'bad', Body: body, ChecksumCRC32: 'y/Q5Jg==', ChecksumSHA1: '98O8HYCOBHMq32eZZczDTKeuNEE=' })));
    assert.deepEqual(two, { name: 'InvalidRequest', message: 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.', status: 400 });
    const right = await plain.send(new PutObjectCommand({ Bucket: 'sums', Key: 'good', Body: body, ChecksumCRC32: 'y/Q5Jg==' }));
    assert.equal(right.ChecksumCRC32, 'y/Q5Jg==');
  });

  it('a checksum header over a body of several MiB (hashed on the hash threads) is verified the same way', async () => {
    const body = randomBytes(3 * MiB + 17);
    for (const algorithm of ALGORITHMS) {
      const key = `big-${algorithm}`;
      const wrong = checksumBase64(algorithm, body.subarray(1));
      const e = await awsError(() => plain.send(new PutObjectCommand({ Bucket: 'sums', Key: key, Body: body, [field(algorithm)]: wrong })));
      assert.deepEqual(e, { name: 'BadDigest', message: `The ${algorithm} you specified did not match the calculated checksum.`, status: 400 });
      assert.equal((await awsError(() => plain.send(new HeadObjectCommand({ Bucket: 'sums', Key: key })))).status, 404);
      const right = checksumBase64(algorithm, body);
      const put = await plain.send(new PutObjectCommand({ Bucket: 'sums', Key: key, Body: body, [field(algorithm)]: right }));
      assert.equal(put[field(algorithm)], right);
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'sums', Key: key, ChecksumMode: 'ENABLED' }));
      assert.equal(head[field(algorithm)], right);
    }
  });

  it('lib-storage Upload (default CRC32 per part): COMPOSITE checksum of the part checksums, -N, returned on HEAD', async () => {
    const bytes = randomBytes(11 * MiB);
    const upload = new Upload({ client: s3, params: { Bucket: 'sums', Key: 'multi.bin', Body: Readable.from([bytes]) }, partSize: 5 * MiB, queueSize: 2 });
    const done = await upload.done();
    const parts = [bytes.subarray(0, 5 * MiB), bytes.subarray(5 * MiB, 10 * MiB), bytes.subarray(10 * MiB)];
    const composite = compositeChecksum('CRC32', parts.map((p) => checksumBase64('CRC32', p)));
    assert.equal(done.ChecksumCRC32, composite);
    assert.match(composite, /-3$/);
    assert.equal((done as { ChecksumType?: string }).ChecksumType, 'COMPOSITE');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sums', Key: 'multi.bin', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumCRC32, composite);
    assert.equal(head.ChecksumType, 'COMPOSITE');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sums', Key: 'multi.bin', ChecksumMode: 'ENABLED' }));
    assert.equal(createHash('md5').update(await got.Body!.transformToByteArray()).digest('hex'), createHash('md5').update(bytes).digest('hex'));
  });

  it('CopyObject: the copy gets the algorithm of the source (or the requested one) over its bytes, FULL_OBJECT', async () => {
    const body = randomBytes(70_000);
    await plain.send(new PutObjectCommand({ Bucket: 'sums', Key: 'copy-src', Body: body, ChecksumCRC32C: checksumBase64('CRC32C', body) }));
    const same = await plain.send(new CopyObjectCommand({ Bucket: 'sums', Key: 'copy-1', CopySource: 'sums/copy-src' }));
    assert.equal(same.CopyObjectResult?.ChecksumCRC32C, checksumBase64('CRC32C', body));
    const asked = await plain.send(new CopyObjectCommand({ Bucket: 'sums', Key: 'copy-2', CopySource: 'sums/copy-src', ChecksumAlgorithm: 'SHA256' }));
    assert.equal(asked.CopyObjectResult?.ChecksumSHA256, checksumBase64('SHA256', body));
    const head = await plain.send(new HeadObjectCommand({ Bucket: 'sums', Key: 'copy-2', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumSHA256, checksumBase64('SHA256', body));
    assert.equal(head.ChecksumType, 'FULL_OBJECT');
  });

  it('FULL_OBJECT CRC32C multipart: the object checksum is the CRC32C of the whole object (SDK-validated on GET)', async () => {
    const bytes = randomBytes(5 * MiB + 1234);
    const parts = [bytes.subarray(0, 5 * MiB), bytes.subarray(5 * MiB)];
    const created = await plain.send(new CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'full.bin', ChecksumAlgorithm: 'CRC32C', ChecksumType: 'FULL_OBJECT' }));
    assert.equal(created.ChecksumAlgorithm, 'CRC32C');
    assert.equal(created.ChecksumType, 'FULL_OBJECT');
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) {
      const r = await plain.send(new UploadPartCommand({ Bucket: 'sums', Key: 'full.bin', UploadId: created.UploadId, PartNumber: i + 1, Body: part, ChecksumCRC32C: checksumBase64('CRC32C', part) }));
      assert.equal(r.ChecksumCRC32C, checksumBase64('CRC32C', part));
      etags.push(r.ETag!);
    }
    const done = await plain.send(new CompleteMultipartUploadCommand({
      Bucket: 'sums', Key: 'full.bin', UploadId: created.UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }));
    assert.equal(done.ChecksumCRC32C, checksumBase64('CRC32C', bytes));
    assert.equal(done.ChecksumType, 'FULL_OBJECT');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sums', Key: 'full.bin', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumCRC32C, checksumBase64('CRC32C', bytes));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), bytes);
  });

  it('an upload created with SHA1: parts must carry SHA1, ListParts shows them, completion must list them', async () => {
    const created = await plain.send(new CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'sha1.bin', ChecksumAlgorithm: 'SHA1' }));
    assert.equal(created.ChecksumType, 'COMPOSITE');
    const part = Buffer.from('123456789');
    const missing = await awsError(() => plain.send(new UploadPartCommand({ Bucket: 'sums', Key: 'sha1.bin', UploadId: created.UploadId, PartNumber: 1, Body: part })));
    assert.deepEqual(missing, { name: 'InvalidRequest', message: 'Checksum Type mismatch occurred, expected checksum Type: sha1, actual checksum Type: null', status: 400 });
    const other = await awsError(() => plain.send(new UploadPartCommand({ Bucket: 'sums', Key: 'sha1.bin', UploadId: created.UploadId, PartNumber: 1, Body: part, ChecksumCRC32: 'y/Q5Jg==' })));
    assert.match(other.message, /expected checksum Type: sha1, actual checksum Type: crc32$/);
    const r = await plain.send(new UploadPartCommand({ Bucket: 'sums', Key: 'sha1.bin', UploadId: created.UploadId, PartNumber: 1, Body: part, ChecksumSHA1: '98O8HYCOBHMq32eZZczDTKeuNEE=' }));
    const listed = await plain.send(new ListPartsCommand({ Bucket: 'sums', Key: 'sha1.bin', UploadId: created.UploadId }));
    assert.equal(listed.Parts?.[0]?.ChecksumSHA1, '98O8HYCOBHMq32eZZczDTKeuNEE=');
    assert.equal(listed.ChecksumAlgorithm, 'SHA1');
    const noSum = await awsError(() => plain.send(new CompleteMultipartUploadCommand({
      Bucket: 'sums', Key: 'sha1.bin', UploadId: created.UploadId, MultipartUpload: { Parts: [{ ETag: r.ETag, PartNumber: 1 }] },
    })));
    assert.deepEqual(noSum, {
      name: 'InvalidRequest', status: 400,
      message: 'The upload was created using a sha1 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.',
    });
    const wrongSum = await awsError(() => plain.send(new CompleteMultipartUploadCommand({
      Bucket: 'sums', Key: 'sha1.bin', UploadId: created.UploadId, MultipartUpload: { Parts: [{ ETag: r.ETag, PartNumber: 1, ChecksumSHA1: '+8O8HYCOBHMq32eZZczDTKeuNEE=' }] },
    })));
    assert.equal(wrongSum.name, 'InvalidPart');
    const done = await plain.send(new CompleteMultipartUploadCommand({
      Bucket: 'sums', Key: 'sha1.bin', UploadId: created.UploadId, MultipartUpload: { Parts: [{ ETag: r.ETag, PartNumber: 1, ChecksumSHA1: '98O8HYCOBHMq32eZZczDTKeuNEE=' }] },
    }));
    assert.equal(done.ChecksumSHA1, compositeChecksum('SHA1', ['98O8HYCOBHMq32eZZczDTKeuNEE=']));
    const badType = await awsError(() => plain.send(new CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'x', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })));
    assert.deepEqual(badType, { name: 'InvalidRequest', message: 'The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.', status: 400 });
  });

  it('aws CLI: put-object --checksum-algorithm SHA1, get-object --checksum-mode ENABLED', async () => {
    const file = join(h.dataDir, 'cli-sum.txt');
    writeFileSync(file, 'checksummed by the aws CLI');
    const aws = async (...args: string[]) => JSON.parse((await run('aws', ['--endpoint-url', h.endpoint, '--output', 'json', ...args], { env: awsCliEnv(h) })).stdout);
    const expected = checksumBase64('SHA1', readFileSync(file));
    const put = await aws('s3api', 'put-object', '--bucket', 'sums', '--key', 'cli.txt', '--body', file, '--checksum-algorithm', 'SHA1');
    assert.equal(put.ChecksumSHA1, expected);
    const out = join(h.dataDir, 'cli-sum-back.txt');
    const got = await aws('s3api', 'get-object', '--bucket', 'sums', '--key', 'cli.txt', '--checksum-mode', 'ENABLED', out);
    assert.equal(got.ChecksumSHA1, expected);
    assert.equal(readFileSync(out, 'utf8'), 'checksummed by the aws CLI');
  });
});
