import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AbortMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand, HeadBucketCommand, ListMultipartUploadsCommand,
  DeleteObjectCommand, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { awsError, Harness, s3Client } from './harness.js';

/**
 * Abandoned multipart uploads leave no bytes behind: AbortMultipartUpload removes the parts' files,
 * and DeleteBucket of a bucket whose only contents are uploads in progress deletes the bucket with
 * its uploads (as S3 does: only objects make a bucket "not empty") and their files.
 */
describe('S3 abandoned multipart uploads: part files removed', () => {
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
