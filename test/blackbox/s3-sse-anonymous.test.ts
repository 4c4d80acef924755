import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Harness, s3Client } from './harness.js';

/** A request with no SigV4 at all. */
function anonymous(endpoint: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const url = new URL(endpoint);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const SIGV4_ONLY = /<Code>InvalidArgument<\/Code><Message>Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4\.<\/Message>/;

/**
 * SSE-KMS needs SigV4 (s3-sse-facts.md §4: anonymous or SigV2 request with SSE-KMS → 400
 * InvalidArgument): a public bucket's anonymous callers can neither write nor read SSE-KMS objects,
 * and no KMS call is made for them.
 */
describe('S3 SSE-KMS refuses anonymous requests, even where a bucket policy admits them', () => {
  let h: Harness;
  let s3: S3Client;
  before(async () => {
    h = await Harness.start();
    s3 = s3Client(h);
    for (const Bucket of ['open-kms', 'open-kms-default']) {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutBucketPolicyCommand({
        Bucket,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${Bucket}/*` }] }),
      }));
    }
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'open-kms-default', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }));
    await s3.send(new PutObjectCommand({ Bucket: 'open-kms', Key: 'kms.txt', Body: 'kms protected', ServerSideEncryption: 'aws:kms' }));
  });
  after(() => h.stop());

  it('an anonymous PUT asking for aws:kms (or landing in an SSE-KMS default bucket) is 400 InvalidArgument and stores nothing', async () => {
    const put = await anonymous(h.endpoint, 'PUT', '/open-kms/anon.txt', 'x', { 'x-amz-server-side-encryption': 'aws:kms' });
    assert.equal(put.status, 400, put.text);
    assert.match(put.text, SIGV4_ONLY);
    const byDefault = await anonymous(h.endpoint, 'PUT', '/open-kms-default/anon.txt', 'x');
    assert.equal(byDefault.status, 400, byDefault.text);
    assert.match(byDefault.text, SIGV4_ONLY);
    for (const [Bucket, Key] of [['open-kms', 'anon.txt'], ['open-kms-default', 'anon.txt']] as const) {
      await assert.rejects(s3.send(new GetObjectCommand({ Bucket, Key })), { name: 'NoSuchKey' });
    }
  });

  it('an anonymous GET of an SSE-KMS object is 400 InvalidArgument; SSE-S3 objects stay public', async () => {
    const get = await anonymous(h.endpoint, 'GET', '/open-kms/kms.txt');
    assert.equal(get.status, 400, get.text);
    assert.match(get.text, SIGV4_ONLY);
    assert.doesNotMatch(get.text, /kms protected/);
    const plain = await anonymous(h.endpoint, 'PUT', '/open-kms/plain.txt', 'public bytes');
    assert.equal(plain.status, 200, plain.text);
    const back = await anonymous(h.endpoint, 'GET', '/open-kms/plain.txt');
    assert.equal(back.status, 200);
    assert.equal(back.text, 'public bytes');
  });
});
