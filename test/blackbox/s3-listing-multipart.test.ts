import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand, ListBucketsCommand, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand,
  ListMultipartUploadsCommand, ListObjectsCommand, type ListObjectsCommandOutput, ListObjectsV2Command, type ListObjectsV2CommandOutput, ListPartsCommand, PutObjectCommand, S3Client, S3ServiceException,
  UploadPartCommand, type UploadPartCommandOutput, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Harness, s3Client } from './harness.js';

async function s3Error(p: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as S3ServiceException).name, status: (e as S3ServiceException).$metadata?.httpStatusCode };
  }
  assert.fail('expected an S3 error');
}

const MiB = 1024 * 1024;

describe('S3 listing and multipart with @aws-sdk/client-s3', () => {
  let h: Harness;
  let s3: S3Client;
  const keys = ['a.txt', 'dir1/x', 'dir1/y', 'dir1/sub/z', 'dir2/w', 'dir3/', 'zeta', 'ü-unicode'];
  before(async () => {
    h = await Harness.start();
    s3 = s3Client(h);
    await s3.send(new CreateBucketCommand({ Bucket: 'list' }));
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'list', Key, Body: Key }));
    await s3.send(new CreateBucketCommand({ Bucket: 'mpu' }));
  });
  after(() => h.stop());

  it('ListObjectsV2 with delimiter paginates keys and CommonPrefixes one page at a time', async () => {
    const seenKeys: string[] = [];
    const seenPrefixes: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: 'list', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
      pages++;
      assert.ok((r.KeyCount ?? 0) <= 2);
      seenKeys.push(...(r.Contents ?? []).map((c) => c.Key!));
      seenPrefixes.push(...(r.CommonPrefixes ?? []).map((c) => c.Prefix!));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    assert.deepEqual(seenKeys, ['a.txt', 'zeta', 'ü-unicode']);
    assert.deepEqual(seenPrefixes, ['dir1/', 'dir2/', 'dir3/']);
    assert.equal(pages, 3);
  });

  it('ListObjectsV2 prefix, start-after and encoding-type=url', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: 'list', Prefix: 'dir1/', Delimiter: '/' }));
    assert.deepEqual(r.Contents?.map((c) => c.Key), ['dir1/x', 'dir1/y']);
    assert.deepEqual(r.CommonPrefixes?.map((c) => c.Prefix), ['dir1/sub/']);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'list', StartAfter: 'dir2/w' }));
    assert.deepEqual(after.Contents?.map((c) => c.Key), ['dir3/', 'zeta', 'ü-unicode']);
    const encoded = await s3.send(new ListObjectsV2Command({ Bucket: 'list', Prefix: 'ü', EncodingType: 'url' }));
    assert.deepEqual(encoded.Contents?.map((c) => c.Key), [encodeURIComponent('ü-unicode')]);
    const bad = await s3Error(s3.send(new ListObjectsV2Command({ Bucket: 'list', ContinuationToken: 'not a token!' })));
    assert.equal(bad.name, 'InvalidArgument');
  });

  it('pagination follows UTF-8 byte order (U+FFFD sorts before U+1F600, unlike UTF-16)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'utf8order' }));
    for (const Key of ['p/\uFFFD/1', 'p/\u{1F600}/1', 'p/\u{1F600}/2']) await s3.send(new PutObjectCommand({ Bucket: 'utf8order', Key, Body: 'x' }));
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const r: ListObjectsV2CommandOutput = await s3.send(new ListObjectsV2Command({ Bucket: 'utf8order', Prefix: 'p/', Delimiter: '/', MaxKeys: 1, ContinuationToken: token }));
      prefixes.push(...(r.CommonPrefixes ?? []).map((c) => c.Prefix!));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    assert.deepEqual(prefixes, ['p/\uFFFD/', 'p/\u{1F600}/']);
  });

  it('ListObjects (v1) marker / NextMarker pagination with delimiter', async () => {
    const all: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const r: ListObjectsCommandOutput = await s3.send(new ListObjectsCommand({ Bucket: 'list', Delimiter: '/', MaxKeys: 3, Marker: marker }));
      all.push(...(r.Contents ?? []).map((c) => c.Key!), ...(r.CommonPrefixes ?? []).map((c) => c.Prefix!));
      if (!r.IsTruncated) break;
      assert.ok(r.NextMarker);
      marker = r.NextMarker;
    }
    assert.deepEqual(all.sort(), ['a.txt', 'dir1/', 'dir2/', 'dir3/', 'zeta', 'ü-unicode'].sort());
    const plain = await s3.send(new ListObjectsCommand({ Bucket: 'list' }));
    assert.equal(plain.Contents?.length, keys.length);
  });

  it('a 12 MiB multipart round trip: ETag md5(part md5s)-N, ListParts, ListMultipartUploads, GetObject partNumber', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(2 * MiB)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'big.bin', ContentType: 'application/x-big', Metadata: { m: '1' } }));
    assert.ok(UploadId);
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu' }));
    assert.deepEqual(listed.Uploads?.map((u) => [u.Key, u.UploadId]), [['big.bin', UploadId]]);
    const etags: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const r: UploadPartCommandOutput = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'big.bin', UploadId, PartNumber: i + 1, Body: parts[i] }));
      assert.equal(r.ETag, `"${createHash('md5').update(parts[i]!).digest('hex')}"`);
      etags.push(r.ETag!);
    }
    const lp = await s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'big.bin', UploadId }));
    assert.deepEqual(lp.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]), etags.map((e, i) => [i + 1, parts[i]!.length, e]));
    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'mpu', Key: 'big.bin', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }));
    const md5s = Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()));
    assert.equal(done.ETag, `"${createHash('md5').update(md5s).digest('hex')}-3"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'big.bin' }));
    assert.equal(got.ContentType, 'application/x-big');
    assert.deepEqual(got.Metadata, { m: '1' });
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.ok(bytes.equals(Buffer.concat(parts)));
    const second = await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'big.bin', PartNumber: 2 }));
    assert.equal(second.$metadata.httpStatusCode, 206);
    assert.equal(second.PartsCount, 3);
    assert.ok(Buffer.from(await second.Body!.transformToByteArray()).equals(parts[1]!));
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu' }))).Uploads, undefined);
    // Part files are gone once completed: one file per object, in every bucket.
    const files = readdirSync(join(h.dataDir, 'objects')).filter((f) => f !== 'tmp');
    let objects = 0;
    for (const { Name } of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) objects += (await s3.send(new ListObjectsV2Command({ Bucket: Name }))).KeyCount ?? 0;
    assert.equal(files.length, objects);
  });

  it('CompleteMultipartUpload errors: EntityTooSmall, InvalidPart, InvalidPartOrder, NoSuchUpload after abort', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'small' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'small', UploadId, PartNumber: 1, Body: 'tiny' }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'small', UploadId, PartNumber: 2, Body: 'tiny2' }));
    const complete = (Parts: Array<{ ETag?: string; PartNumber: number }>) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: 'mpu', Key: 'small', UploadId, MultipartUpload: { Parts } }));
    assert.equal((await s3Error(complete([{ ETag: p1.ETag, PartNumber: 1 }, { ETag: p2.ETag, PartNumber: 2 }]))).name, 'EntityTooSmall');
    assert.equal((await s3Error(complete([{ ETag: '"00000000000000000000000000000000"', PartNumber: 1 }]))).name, 'InvalidPart');
    assert.equal((await s3Error(complete([{ ETag: p1.ETag, PartNumber: 3 }]))).name, 'InvalidPart');
    assert.equal((await s3Error(complete([{ ETag: p2.ETag, PartNumber: 2 }, { ETag: p1.ETag, PartNumber: 1 }]))).name, 'InvalidPartOrder');
    // A single part may be small: it is the last.
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'small', UploadId }));
    const gone = await s3Error(s3.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'small', UploadId })));
    assert.deepEqual(gone, { name: 'NoSuchUpload', status: 404 });
    const badPart = await s3Error(s3.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'small', UploadId: 'x', PartNumber: 10001, Body: 'x' })));
    assert.equal(badPart.name, 'InvalidArgument');
  });

  it('UploadPartCopy with x-amz-copy-source-range builds an object from ranges of another', async () => {
    const source = randomBytes(6 * MiB);
    await s3.send(new PutObjectCommand({ Bucket: 'mpu', Key: 'source', Body: source }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'assembled' }));
    const a = await s3.send(new UploadPartCopyCommand({ Bucket: 'mpu', Key: 'assembled', UploadId, PartNumber: 1, CopySource: 'mpu/source', CopySourceRange: `bytes=0-${5 * MiB - 1}` }));
    const b = await s3.send(new UploadPartCopyCommand({ Bucket: 'mpu', Key: 'assembled', UploadId, PartNumber: 2, CopySource: 'mpu/source', CopySourceRange: `bytes=${5 * MiB}-${6 * MiB - 1}` }));
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'mpu', Key: 'assembled', UploadId,
      MultipartUpload: { Parts: [{ ETag: a.CopyPartResult!.ETag, PartNumber: 1 }, { ETag: b.CopyPartResult!.ETag, PartNumber: 2 }] },
    }));
    const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'assembled' }))).Body!.transformToByteArray());
    assert.ok(got.equals(source));
  });
});
