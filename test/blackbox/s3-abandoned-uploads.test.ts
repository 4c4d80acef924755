import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand, GetObjectCommand, HeadBucketCommand,
  ListMultipartUploadsCommand, ListPartsCommand, DeleteObjectCommand, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { awsError, Harness, s3Client } from './harness.js';

/**
 * Abandoned uploads and replaced objects leave no bytes behind: AbortMultipartUpload removes the parts' files,
 * and DeleteBucket of a bucket whose only contents are uploads in progress deletes the bucket with
 * its uploads (as S3 does: only objects make a bucket "not empty") and their files; a part number
 * uploaded again keeps only the later part's file.
 */
describe('S3 object and part files: removed with abandoned uploads and when replaced', () => {
  let h: Harness;
  let s3: S3Client;
  before(async () => {
    h = await Harness.start();
    s3 = s3Client(h);
  });
  after(() => h.stop());

  const objectFiles = () => readdirSync(join(h.dataDir, 'objects')).filter((n) => /^[0-9a-f]{32}$/.test(n)).length;
  const startWithParts = async (bucket: string, key: string, parts: number) => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    for (let n = 1; n <= parts; n++) await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: Buffer.alloc(1000, n) }));
    return UploadId!;
  };

  it('AbortMultipartUpload removes the files of its parts', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'aborting' }));
    const before = objectFiles();
    const uploadId = await startWithParts('aborting', 'k', 3);
    assert.equal(objectFiles(), before + 3);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'aborting', Key: 'k', UploadId: uploadId }));
    assert.equal(objectFiles(), before);
  });

  it('UploadPart again with the same part number replaces the part: its earlier file is removed, the object is built from the later bytes', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'replacing' }));
    const before = objectFiles();
    const uploadId = await startWithParts('replacing', 'k', 1);
    assert.equal(objectFiles(), before + 1);
    const later = Buffer.alloc(1500, 7);
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: 'replacing', Key: 'k', UploadId: uploadId, PartNumber: 1, Body: later }));
    assert.equal(objectFiles(), before + 1, 'the earlier part file is gone');
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'replacing', Key: 'k', UploadId: uploadId }));
    assert.deepEqual(parts.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size]), [[1, ETag, later.length]]);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'replacing', Key: 'k', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'replacing', Key: 'k' }));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), later);
  });

  it('every other replacement removes the file it replaced: PutObject and CopyObject over an object, UploadPartCopy over a part', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'overwriting' }));
    await s3.send(new PutObjectCommand({ Bucket: 'overwriting', Key: 'k', Body: 'first' }));
    const before = objectFiles();
    await s3.send(new PutObjectCommand({ Bucket: 'overwriting', Key: 'k', Body: 'second' }));
    assert.equal(objectFiles(), before, 'PutObject over an object');
    await s3.send(new CopyObjectCommand({ Bucket: 'overwriting', Key: 'k', CopySource: 'overwriting/k', MetadataDirective: 'REPLACE', Metadata: { copied: 'yes' } }));
    assert.equal(objectFiles(), before, 'CopyObject over an object');
    const uploadId = await startWithParts('overwriting', 'parts', 1);
    assert.equal(objectFiles(), before + 1);
    await s3.send(new UploadPartCopyCommand({ Bucket: 'overwriting', Key: 'parts', UploadId: uploadId, PartNumber: 1, CopySource: 'overwriting/k' }));
    assert.equal(objectFiles(), before + 1, 'UploadPartCopy over a part');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'overwriting', Key: 'parts', UploadId: uploadId }));
    assert.equal(objectFiles(), before);
  });

  it('DeleteBucket with only uploads in progress deletes them and their files; with an object it is BucketNotEmpty and keeps the uploads', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'abandoned' }));
    const before = objectFiles();
    await startWithParts('abandoned', 'a', 2);
    await startWithParts('abandoned', 'b', 1);
    await s3.send(new PutObjectCommand({ Bucket: 'abandoned', Key: 'obj', Body: 'x' }));
    const notEmpty = await awsError(() => s3.send(new DeleteBucketCommand({ Bucket: 'abandoned' })));
    assert.equal(notEmpty.name, 'BucketNotEmpty');
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'abandoned' }))).Uploads?.length, 2, 'a refused DeleteBucket leaves the uploads alone');
    await s3.send(new DeleteObjectCommand({ Bucket: 'abandoned', Key: 'obj' }));
    assert.equal(objectFiles(), before + 3);
    await s3.send(new DeleteBucketCommand({ Bucket: 'abandoned' }));
    assert.equal((await awsError(() => s3.send(new HeadBucketCommand({ Bucket: 'abandoned' })))).status, 404);
    assert.equal(objectFiles(), before);
  });
});
