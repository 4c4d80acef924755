import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, PutObjectTaggingCommand, GetObjectTaggingCommand, S3Client,
} from '@aws-sdk/client-s3';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { awsError, Harness, s3Client } from './harness.js';

/**
 * NUL (U+0000) in what S3 requests name. S3 keys are "any UTF-8" (S3 User Guide, "Naming Amazon S3
 * objects"; control characters are listed under characters to avoid), but PostgreSQL text cannot
 * hold NUL, so a NUL in a key must be an S3-shaped 400 on every store, never a 500.
 * Unverified: what AWS S3 itself answers for %00 in a key or listing parameter (not documented);
 * Locksmith answers InvalidURI ("Couldn't parse the specified URI."). XML 1.0 (§2.2 Char) excludes
 * #x0, so a request document holding one is MalformedXML.
 */
describe('S3: NUL characters in keys, parameters and documents are a 400 on every store', () => {
  let h: Harness;
  let s3: S3Client;
  before(async () => {
    h = await Harness.start();
    s3 = s3Client(h);
    await s3.send(new CreateBucketCommand({ Bucket: 'nul' }));
    await s3.send(new PutObjectCommand({ Bucket: 'nul', Key: 'plain', Body: 'plain' }));
  });
  after(() => h.stop());

  it('a key with %00 in the path: PUT, GET, HEAD and CreateMultipartUpload answer 400 InvalidURI; nothing is stored', async () => {
    for (const send of [
      () => s3.send(new PutObjectCommand({ Bucket: 'nul', Key: 'a\u0000b', Body: 'x' })),
      () => s3.send(new GetObjectCommand({ Bucket: 'nul', Key: 'a\u0000b' })),
      () => s3.send(new CreateMultipartUploadCommand({ Bucket: 'nul', Key: '\u0000' })),
    ]) {
      const e = await awsError(send);
      assert.equal(e.status, 400);
      assert.equal(e.name, 'InvalidURI');
      assert.equal(e.message, "Couldn't parse the specified URI.");
    }
    const head = await awsError(() => s3.send(new HeadObjectCommand({ Bucket: 'nul', Key: 'a\u0000b' })));
    assert.equal(head.status, 400); // HEAD has no body: the status is all a client sees
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'nul' }));
    assert.deepEqual(list.Contents?.map((c) => c.Key), ['plain']);
    assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'nul' }))).Uploads, undefined);
  });

  it('a listing parameter with NUL (prefix, start-after) answers 400 InvalidURI', async () => {
    for (const input of [{ Prefix: 'p\u0000' }, { StartAfter: '\u0000' }]) {
      const e = await awsError(() => s3.send(new ListObjectsV2Command({ Bucket: 'nul', ...input })));
      assert.equal(e.status, 400, JSON.stringify(input));
      assert.equal(e.name, 'InvalidURI');
    }
    const uploads = await awsError(() => s3.send(new ListMultipartUploadsCommand({ Bucket: 'nul', Prefix: '\u0000' })));
    assert.equal(uploads.name, 'InvalidURI');
  });

  it('CopyObject from a source key with NUL answers 400 InvalidArgument', async () => {
    const e = await awsError(() => s3.send(new CopyObjectCommand({ Bucket: 'nul', Key: 'copy', CopySource: 'nul/pl%00ain' })));
    assert.equal(e.status, 400);
    assert.equal(e.name, 'InvalidArgument');
  });

  it('DeleteObjects and PutObjectTagging documents holding NUL answer 400 MalformedXML; the objects stay', async () => {
    const del = await awsError(() => s3.send(new DeleteObjectsCommand({ Bucket: 'nul', Delete: { Objects: [{ Key: 'plain' }, { Key: 'a\u0000b' }] } })));
    assert.equal(del.status, 400);
    assert.equal(del.name, 'MalformedXML');
    const tag = await awsError(() => s3.send(new PutObjectTaggingCommand({ Bucket: 'nul', Key: 'plain', Tagging: { TagSet: [{ Key: 'k', Value: 'v\u0000' }] } })));
    assert.equal(tag.name, 'MalformedXML');
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'nul', Key: 'plain' }))).TagSet, []);
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'nul', Key: 'plain' }))).Body!.transformToString(), 'plain');
  });

  it('an SSE-KMS encryption context value with NUL is stored and returned exactly (never a 500)', async () => {
    const keyArn = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const ctx = Buffer.from(JSON.stringify({ nul: 'a\u0000b' })).toString('base64');
    const put = await s3.send(new PutObjectCommand({ Bucket: 'nul', Key: 'ctx', Body: 'secret', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn, SSEKMSEncryptionContext: ctx }));
    assert.deepEqual(JSON.parse(Buffer.from(put.SSEKMSEncryptionContext!, 'base64').toString()), { nul: 'a\u0000b', 'aws:s3:arn': 'arn:aws:s3:::nul/ctx' });
    // The GET decrypts the data key with the stored context: it reads only if the context came back exactly.
    const got = await s3.send(new GetObjectCommand({ Bucket: 'nul', Key: 'ctx' }));
    assert.equal(await got.Body!.transformToString(), 'secret');
    assert.equal(got.SSEKMSKeyId, keyArn);
  });
});
