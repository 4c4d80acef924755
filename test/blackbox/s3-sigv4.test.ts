import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { encodeAwsChunked } from '../../src/auth/sigv4-streaming-sign.js';
import { Harness, REGION, s3Client, send, signRequest, type Credentials } from './harness.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const code = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

/** SigV4 for S3 (S3 API Reference, "Authenticating Requests (AWS Signature Version 4)") and S3's error codes for it. */
describe('S3 SigV4: payload modes, presigned URLs and S3 authentication errors', () => {
  let h: Harness;
  let s3: S3Client;
  before(async () => {
    h = await Harness.start();
    s3 = s3Client(h);
    await s3.send(new CreateBucketCommand({ Bucket: 'sig' }));
  });
  after(() => h.stop());

  const raw = async (opts: { method?: string; path: string; query?: Record<string, string>; headers?: Record<string, string>; body?: string; credentials?: Credentials; at?: Date }) => {
    const signed = await signRequest(h.endpoint, {
      method: opts.method ?? 'PUT', path: opts.path, query: opts.query, headers: opts.headers ?? {}, body: opts.body ?? '',
      credentials: opts.credentials ?? h.credentials, region: REGION, service: 's3', signingDate: opts.at ?? h.clock.now(),
    });
    return send(h.endpoint, signed);
  };

  it('a signed hex payload hash is verified against the body: a mismatch is XAmzContentSHA256Mismatch and stores nothing', async () => {
    const ok = await raw({ path: '/sig/good', headers: { 'x-amz-content-sha256': sha256('payload') }, body: 'payload' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.etag, `"${createHash('md5').update('payload').digest('hex')}"`);
    assert.ok(ok.headers['x-amz-request-id']);
    assert.ok(ok.headers['x-amz-id-2']);
    const bad = await raw({ path: '/sig/bad', headers: { 'x-amz-content-sha256': sha256('something else') }, body: 'payload' });
    assert.equal(bad.status, 400);
    assert.equal(code(bad.text), 'XAmzContentSHA256Mismatch');
    assert.match(bad.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>XAmzContentSHA256Mismatch<\/Code><Message>[^<]+<\/Message><RequestId>[^<]+<\/RequestId><\/Error>$/);
    assert.equal((await raw({ method: 'HEAD', path: '/sig/bad', headers: { 'x-amz-content-sha256': sha256('') } })).status, 404);
  });

  it('UNSIGNED-PAYLOAD is accepted', async () => {
    const ok = await raw({ path: '/sig/unsigned', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body: 'free' });
    assert.equal(ok.status, 200);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sig', Key: 'unsigned' }));
    assert.equal(await got.Body!.transformToString(), 'free');
  });

  it('SignatureDoesNotMatch, InvalidAccessKeyId, RequestTimeTooSkewed (403)', async () => {
    const wrong = await raw({ path: '/sig/x', headers: { 'x-amz-content-sha256': sha256('') }, credentials: { ...h.credentials, secretAccessKey: 'wrong' } });
    assert.deepEqual([wrong.status, code(wrong.text)], [403, 'SignatureDoesNotMatch']);
    const unknown = await raw({ path: '/sig/x', headers: { 'x-amz-content-sha256': sha256('') }, credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } });
    assert.deepEqual([unknown.status, code(unknown.text)], [403, 'InvalidAccessKeyId']);
    const skewed = await raw({ path: '/sig/x', headers: { 'x-amz-content-sha256': sha256('') }, at: new Date(h.clock.now().getTime() - 16 * 60_000) });
    assert.deepEqual([skewed.status, code(skewed.text)], [403, 'RequestTimeTooSkewed']);
    // Within S3's 15-minute window.
    const near = await raw({ path: '/sig/near', headers: { 'x-amz-content-sha256': sha256('') }, at: new Date(h.clock.now().getTime() - 14 * 60_000) });
    assert.equal(near.status, 200);
  });

  it('a PUT declaring more than 5 GiB is EntityTooLarge before any byte is read', async () => {
    const signed = await signRequest(h.endpoint, {
      method: 'PUT', path: '/sig/huge', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(5 * 1024 ** 3 + 1) }, body: '',
      credentials: h.credentials, region: REGION, service: 's3', signingDate: h.clock.now(),
    });
    const url = new URL(h.endpoint);
    const r = await new Promise<{ status: number; text: string; connection?: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: '/sig/huge', headers: signed.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), connection: res.headers.connection });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.write('x'); // the headers go out; the body never completes
    });
    assert.deepEqual([r.status, code(r.text), r.connection], [400, 'EntityTooLarge', 'close']);
  });

  it('an anonymous (unsigned) S3 request is AccessDenied in S3\'s XML', async () => {
    const r = await send(h.endpoint, { method: 'GET', path: '/sig/good', headers: {}, body: '' });
    assert.deepEqual([r.status, code(r.text)], [403, 'AccessDenied']);
    assert.ok(r.headers['x-amz-request-id']);
  });

  it('aws-chunked bodies are decoded and their trailer checked: a wrong checksum is BadDigest, a truncated body IncompleteBody, and neither stores anything', async () => {
    // A stream body of known length (over plain HTTP the SDK sends it UNSIGNED-PAYLOAD).
    const data = Buffer.alloc(300_000, 'locksmith ');
    await s3.send(new PutObjectCommand({ Bucket: 'sig', Key: 'streamed', Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), ContentLength: data.length }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sig', Key: 'streamed' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(data));
    // aws-chunked framing (STREAMING-UNSIGNED-PAYLOAD-TRAILER, as the SDKs send over TLS), with a checksum that does not match the bytes.
    // The same framing by hand, with a checksum that does not match the bytes.
    const body = encodeAwsChunked(Buffer.from('hello\n'), { chunkSize: 8192, trailers: new Map([['x-amz-checksum-crc32', 'AAAAAA==']]) });
    const headers = {
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '6', 'x-amz-trailer': 'x-amz-checksum-crc32',
    };
    const bad = await raw({ path: '/sig/trailer', headers, body: body.toString('latin1') });
    assert.deepEqual([bad.status, code(bad.text)], [400, 'BadDigest']);
    const good = encodeAwsChunked(Buffer.from('hello\n'), { chunkSize: 8192, trailers: new Map([['x-amz-checksum-crc32', 'NjowIA==']]) });
    assert.equal((await raw({ path: '/sig/trailer', headers, body: good.toString('latin1') })).status, 200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sig', Key: 'trailer' }));
    assert.equal(head.ContentLength, 6, 'only the good upload was committed');
    const truncated = await raw({ path: '/sig/truncated', headers, body: good.subarray(0, good.length - 12).toString('latin1') });
    assert.equal(truncated.status, 400);
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: 'sig', Key: 'truncated' })), { name: 'NotFound' });
  });

  it('operations Locksmith does not implement answer 501 NotImplemented naming the operation', async () => {
    const cases = [['GET', '/sig', 'acl', 'GetBucketAcl'], ['PUT', '/sig', 'lifecycle', 'PutBucketLifecycleConfiguration'], ['GET', '/sig', 'versions', 'ListObjectVersions'], ['PUT', '/sig/k', 'acl', 'PutObjectAcl'], ['GET', '/sig/k', 'attributes', 'GetObjectAttributes']] as const;
    for (const [method, path, query, op] of cases) {
      const r = await raw({ method, path, query: { [query]: '' }, headers: { 'x-amz-content-sha256': sha256('') } });
      assert.equal(r.status, 501);
      assert.equal(code(r.text), 'NotImplemented');
      assert.match(r.text, new RegExp(op));
    }
  });

  it('presigned GET and PUT URLs work until they expire, then AccessDenied "Request has expired"', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sig', Key: 'shared.txt', Body: 'presigned body' }));
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'sig', Key: 'shared.txt' }), { expiresIn: 60, signingDate: h.clock.now() } as never);
    const res = await fetch(getUrl);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'presigned body');
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'sig', Key: 'uploaded.txt' }), { expiresIn: 60, signingDate: h.clock.now() } as never);
    const put = await fetch(putUrl, { method: 'PUT', body: 'via presigned put' });
    assert.equal(put.status, 200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sig', Key: 'uploaded.txt' }));
    assert.equal(head.ContentLength, 'via presigned put'.length);
    h.advance(61_000);
    const expired = await fetch(getUrl);
    assert.equal(expired.status, 403);
    const text = await expired.text();
    assert.equal(code(text), 'AccessDenied');
    assert.match(text, /Request has expired/);
  });
});
