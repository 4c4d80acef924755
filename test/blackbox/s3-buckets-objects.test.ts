import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetBucketLocationCommand,
  GetBucketVersioningCommand, GetObjectCommand, GetObjectTaggingCommand, HeadBucketCommand, HeadObjectCommand, ListBucketsCommand,
  PutBucketTaggingCommand, GetBucketTaggingCommand, DeleteBucketTaggingCommand, PutObjectCommand, PutObjectTaggingCommand, S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Harness, s3Client } from './harness.js';

async function s3Error(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  assert.fail('expected an S3 error');
}

describe('S3 buckets and objects with @aws-sdk/client-s3', () => {
  let h: Harness;
  let s3: S3Client;
  before(async () => {
    h = await Harness.start();
    s3 = s3Client(h);
    await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
  });
  after(() => h.stop());

  it('CreateBucket, HeadBucket, ListBuckets, GetBucketLocation, GetBucketVersioning, DeleteBucket', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'b-one' }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'b-one' }));
    assert.equal(head.$metadata.httpStatusCode, 200);
    assert.equal(head.BucketRegion, 'us-east-1');
    const list = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(list.Buckets?.map((b) => b.Name), ['b-one', 'photos']);
    assert.ok(list.Owner?.ID && /^[0-9a-f]{64}$/.test(list.Owner.ID));
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: 'b-one' }));
    assert.equal(loc.LocationConstraint, undefined);
    const v = await s3.send(new GetBucketVersioningCommand({ Bucket: 'b-one' }));
    assert.equal(v.Status, undefined);
    // us-east-1 answers 200 to re-creating one's own bucket (CreateBucket, "Errors").
    const again = await s3.send(new CreateBucketCommand({ Bucket: 'b-one' }));
    assert.equal(again.$metadata.httpStatusCode, 200);
    const del = await s3.send(new DeleteBucketCommand({ Bucket: 'b-one' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    assert.deepEqual(await s3Error(s3.send(new HeadBucketCommand({ Bucket: 'b-one' }))), { name: 'NotFound', status: 404, message: 'UnknownError' });
  });

  it('bucket errors: InvalidBucketName, NoSuchBucket, BucketNotEmpty, IllegalLocationConstraintException', async () => {
    for (const bad of ['ab', 'UPPER', 'a..b', '192.168.1.1', '-lead', 'x'.repeat(64), 'xn--abc']) {
      const e = await s3Error(s3.send(new CreateBucketCommand({ Bucket: bad })));
      assert.equal(e.name, 'InvalidBucketName', bad);
      assert.equal(e.status, 400);
    }
    const missing = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'nope-nope', Key: 'k' })));
    assert.deepEqual(missing, { name: 'NoSuchBucket', status: 404, message: 'The specified bucket does not exist' });
    await s3.send(new CreateBucketCommand({ Bucket: 'full' }));
    await s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'k', Body: 'x' }));
    const notEmpty = await s3Error(s3.send(new DeleteBucketCommand({ Bucket: 'full' })));
    assert.equal(notEmpty.name, 'BucketNotEmpty');
    assert.equal(notEmpty.status, 409);
    const wrongRegion = await s3Error(s3.send(new CreateBucketCommand({ Bucket: 'elsewhere', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })));
    assert.equal(wrongRegion.name, 'IllegalLocationConstraintException');
    // Outside us-east-1, re-creating one's own bucket is BucketAlreadyOwnedByYou (409).
    const eu = s3Client(h, h.credentials, { region: 'eu-west-1' });
    await eu.send(new CreateBucketCommand({ Bucket: 'in-europe', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    assert.equal((await eu.send(new GetBucketLocationCommand({ Bucket: 'in-europe' }))).LocationConstraint, 'eu-west-1');
    const owned = await s3Error(eu.send(new CreateBucketCommand({ Bucket: 'in-europe', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })));
    assert.deepEqual([owned.name, owned.status], ['BucketAlreadyOwnedByYou', 409]);
  });

  it('PutObject / GetObject / HeadObject keep the body, ETag, Content-* headers and user metadata', async () => {
    const body = Buffer.from('hello, object');
    const put = await s3.send(new PutObjectCommand({
      Bucket: 'photos', Key: 'docs/readme.txt', Body: body, ContentType: 'text/plain', ContentEncoding: 'identity',
      ContentDisposition: 'attachment; filename="r.txt"', CacheControl: 'max-age=60', Expires: new Date('2030-01-01T00:00:00Z'),
      Metadata: { owner: 'alice', purpose: 'test' }, ContentMD5: createHash('md5').update(body).digest('base64'),
    }));
    const md5 = `"${createHash('md5').update(body).digest('hex')}"`;
    assert.equal(put.ETag, md5);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'docs/readme.txt' }));
    assert.equal(await got.Body!.transformToString(), 'hello, object');
    assert.equal(got.ETag, md5);
    assert.equal(got.ContentType, 'text/plain');
    assert.equal(got.ContentEncoding, 'identity');
    assert.equal(got.ContentDisposition, 'attachment; filename="r.txt"');
    assert.equal(got.CacheControl, 'max-age=60');
    assert.equal(got.ContentLength, body.length);
    assert.deepEqual(got.Metadata, { owner: 'alice', purpose: 'test' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'docs/readme.txt' }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.ETag, md5);
    assert.equal(head.ExpiresString, 'Tue, 01 Jan 2030 00:00:00 GMT');
    const overridden = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'docs/readme.txt', ResponseContentType: 'application/x-test', ResponseCacheControl: 'no-cache' }));
    assert.equal(overridden.ContentType, 'application/x-test');
    assert.equal(overridden.CacheControl, 'no-cache');
    await overridden.Body!.transformToString();
  });

  it('Content-MD5 and x-amz-checksum-sha256: BadDigest when they differ, InvalidDigest when malformed; nothing is stored', async () => {
    const bad = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'md5', Body: 'abc', ContentMD5: createHash('md5').update('abd').digest('base64') })));
    assert.deepEqual([bad.name, bad.status], ['BadDigest', 400]);
    const invalid = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'md5', Body: 'abc', ContentMD5: 'not-base64!' })));
    assert.deepEqual([invalid.name, invalid.status], ['InvalidDigest', 400]);
    const wrongSha = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'md5', Body: 'abc', ChecksumSHA256: createHash('sha256').update('abd').digest('base64') })));
    assert.deepEqual([wrongSha.name, wrongSha.status], ['BadDigest', 400]);
    const missing = await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'md5' })));
    assert.equal(missing.status, 404);
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'sha', Body: 'abc', ChecksumSHA256: createHash('sha256').update('abc').digest('base64') }));
  });

  it('keys with ../, %, unicode, trailing spaces and 1024 bytes round-trip; 1025 bytes is KeyTooLongError', async () => {
    const keys = ['../../etc/passwd', 'a/../b', '100% sure', 'ünïcødé/日本語/🔑', 'trailing space ', '  lead', 'q?x=1&y=2#frag', 'k'.repeat(1024)];
    for (const Key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: 'photos', Key, Body: `body of ${Key}` }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key }));
      assert.equal(await got.Body!.transformToString(), `body of ${Key}`, Key);
    }
    const tooLong = await s3Error(s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'k'.repeat(1025), Body: 'x' })));
    assert.equal(tooLong.name, 'KeyTooLongError');
  });

  it('GetObject Range → 206 with Content-Range; suffix and open ranges; InvalidRange 416', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'digits', Body: '0123456789' }));
    const cases: Array<[string, string, string]> = [
      ['bytes=2-5', '2345', 'bytes 2-5/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
    ];
    for (const [Range, body, contentRange] of cases) {
      const r = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'digits', Range }));
      assert.equal(r.$metadata.httpStatusCode, 206, Range);
      assert.equal(r.ContentRange, contentRange);
      assert.equal(await r.Body!.transformToString(), body);
    }
    const bad = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'digits', Range: 'bytes=10-' })));
    assert.deepEqual([bad.name, bad.status], ['InvalidRange', 416]);
    // A malformed Range is ignored: the whole object (RFC 7233 §3.1).
    const whole = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'digits', Range: 'items=1-2' }));
    assert.equal(whole.$metadata.httpStatusCode, 200);
    assert.equal(await whole.Body!.transformToString(), '0123456789');
  });

  it('conditional GETs: If-Match/If-Unmodified-Since → 412, If-None-Match/If-Modified-Since → 304', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'cond', Body: 'v1' }));
    const etag = put.ETag!;
    const ok = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cond', IfMatch: etag }));
    assert.equal(await ok.Body!.transformToString(), 'v1');
    assert.deepEqual((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cond', IfMatch: '"0000"' })))).status, 412);
    const past = new Date(h.clock.now().getTime() - 3_600_000);
    const future = new Date(h.clock.now().getTime() + 3_600_000);
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cond', IfUnmodifiedSince: past })))).name, 'PreconditionFailed');
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cond', IfNoneMatch: etag })))).status, 304);
    assert.equal((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cond', IfModifiedSince: future })))).status, 304);
    const modified = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cond', IfModifiedSince: past }));
    assert.equal(await modified.Body!.transformToString(), 'v1');
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'cond', IfMatch: '"beef"' })))).status, 412);
  });

  it('overwrite replaces the object; DeleteObject is 204 and idempotent; NoSuchKey afterwards', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'over', Body: 'first' }));
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'over', Body: 'second' }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'over' }))).Body!.transformToString(), 'second');
    assert.equal((await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'over' }))).$metadata.httpStatusCode, 204);
    assert.equal((await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'over' }))).$metadata.httpStatusCode, 204);
    const gone = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'over' })));
    assert.deepEqual(gone, { name: 'NoSuchKey', status: 404, message: 'The specified key does not exist.' });
  });

  it('DeleteObjects removes several keys, Quiet lists nothing deleted', async () => {
    for (const k of ['d1', 'd2', 'd3']) await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: k, Body: k }));
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: 'photos', Delete: { Objects: [{ Key: 'd1' }, { Key: 'd2' }, { Key: 'never-was' }] } }));
    assert.deepEqual(r.Deleted?.map((d) => d.Key).sort(), ['d1', 'd2', 'never-was']);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: 'photos', Delete: { Objects: [{ Key: 'd3' }], Quiet: true } }));
    assert.equal(quiet.Deleted, undefined);
    assert.equal((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'd3' })))).status, 404);
  });

  it('CopyObject: COPY keeps metadata, REPLACE takes the new; copy-source conditions; copy onto itself needs REPLACE', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'src', Body: 'copy me', ContentType: 'text/x-src', Metadata: { a: '1' } }));
    const c = await s3.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'dst', CopySource: 'photos/src' }));
    assert.equal(c.CopyObjectResult?.ETag, `"${createHash('md5').update('copy me').digest('hex')}"`);
    const copied = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'dst' }));
    assert.equal(await copied.Body!.transformToString(), 'copy me');
    assert.equal(copied.ContentType, 'text/x-src');
    assert.deepEqual(copied.Metadata, { a: '1' });
    await s3.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'dst2', CopySource: '/photos/src', MetadataDirective: 'REPLACE', ContentType: 'text/new', Metadata: { b: '2' } }));
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'dst2' }));
    assert.equal(replaced.ContentType, 'text/new');
    assert.deepEqual(replaced.Metadata, { b: '2' });
    const cond = await s3Error(s3.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'dst3', CopySource: 'photos/src', CopySourceIfMatch: '"nope"' })));
    assert.deepEqual([cond.name, cond.status], ['PreconditionFailed', 412]);
    const self = await s3Error(s3.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'src', CopySource: 'photos/src' })));
    assert.equal(self.name, 'InvalidRequest');
    const missing = await s3Error(s3.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'x', CopySource: 'photos/absent' })));
    assert.equal(missing.name, 'NoSuchKey');
  });

  it('bucket and object tagging', async () => {
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'photos', Tagging: { TagSet: [{ Key: 'team', Value: 'blue' }] } }));
    assert.deepEqual((await s3.send(new GetBucketTaggingCommand({ Bucket: 'photos' }))).TagSet, [{ Key: 'team', Value: 'blue' }]);
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: 'photos' }));
    assert.equal((await s3Error(s3.send(new GetBucketTaggingCommand({ Bucket: 'photos' })))).name, 'NoSuchTagSet');
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'tagged', Body: 't', Tagging: 'a=1&b=two' }));
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'photos', Key: 'tagged' }))).TagSet, [{ Key: 'a', Value: '1' }, { Key: 'b', Value: 'two' }]);
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'photos', Key: 'tagged', Tagging: { TagSet: [{ Key: 'c', Value: '3' }] } }));
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'photos', Key: 'tagged' }))).TagSet, [{ Key: 'c', Value: '3' }]);
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    assert.equal((await s3Error(s3.send(new PutObjectTaggingCommand({ Bucket: 'photos', Key: 'tagged', Tagging: { TagSet: tooMany } })))).name, 'InvalidTag');
  });

  it('virtual-hosted-style addressing (bucket.localhost and bucket.s3.localhost) reaches the same bucket', async () => {
    const port = new URL(h.endpoint).port;
    for (const host of [`http://localhost:${port}`, `http://s3.localhost:${port}`]) {
      const vh = s3Client(h, h.credentials, { forcePathStyle: false, endpoint: host });
      // Name resolution of <bucket>.localhost is not guaranteed: the request goes to 127.0.0.1 with the virtual Host header.
      vh.middlewareStack.add((next) => async (args: any) => {
        const req = args.request;
        req.headers.host = `${req.hostname}:${port}`;
        req.hostname = '127.0.0.1';
        return next(args);
      }, { step: 'finalizeRequest', name: 'toLoopback', priority: 'low' });
      await vh.send(new PutObjectCommand({ Bucket: 'photos', Key: `vh/${host}`, Body: 'virtual' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'photos', Key: `vh/${host}` }));
      assert.equal(await got.Body!.transformToString(), 'virtual');
    }
  });
});
