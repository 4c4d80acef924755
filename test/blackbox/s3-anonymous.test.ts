import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, DeleteBucketPolicyCommand, HeadObjectCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ACCOUNT, Harness, s3Client } from './harness.js';
import { recordsOf } from './audit-helpers.js';

/** A request with no SigV4 at all, as a browser or curl sends it. */
function anonymous(endpoint: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const url = new URL(endpoint);
  return new Promise<{ status: number; text: string; requestId: string }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), requestId: String(res.headers['x-amz-request-id'] ?? '') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const denied = (r: { status: number; text: string }) => {
  assert.equal(r.status, 403, r.text);
  assert.match(r.text, /<Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);
};

/**
 * Anonymous S3 requests (no Authorization, no presigned query): allowed only by a bucket policy
 * whose Principal is "*" or {"AWS": "*"}, denied as S3 denies them otherwise; never for KMS.
 */
describe('S3 anonymous access: only a bucket policy for Principal "*" admits it', () => {
  let h: Harness;
  let s3: S3Client;
  before(async () => {
    h = await Harness.start();
    s3 = s3Client(h);
    await s3.send(new CreateBucketCommand({ Bucket: 'public-site' }));
    await s3.send(new PutObjectCommand({ Bucket: 'public-site', Key: 'index.html', Body: '<h1>hello</h1>' }));
    await s3.send(new PutObjectCommand({ Bucket: 'public-site', Key: 'private/secret.txt', Body: 'not for you' }));
  });
  after(() => h.stop());

  it('without a policy every anonymous call is AccessDenied', async () => {
    denied(await anonymous(h.endpoint, 'GET', '/public-site/index.html'));
    assert.equal((await anonymous(h.endpoint, 'HEAD', '/public-site/index.html')).status, 403); // HEAD answers carry no body
    denied(await anonymous(h.endpoint, 'PUT', '/public-site/new.txt', 'x'));
    denied(await anonymous(h.endpoint, 'GET', '/public-site?list-type=2'));
    denied(await anonymous(h.endpoint, 'GET', '/'));
    denied(await anonymous(h.endpoint, 'PUT', '/anon-bucket'));
    // S3's POST operations are S3's too: XML AccessDenied, not KMS's MissingAuthenticationToken.
    // DeleteObjects is authorized key by key: each refused key is an AccessDenied entry of the result.
    const del = await anonymous(h.endpoint, 'POST', '/public-site?delete', '<Delete><Object><Key>index.html</Key></Object></Delete>');
    assert.match(del.text, /<Error><Key>index.html<\/Key><Code>AccessDenied<\/Code>/);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'public-site', Key: 'index.html' }))).ContentLength, 14, 'not deleted');
    denied(await anonymous(h.endpoint, 'POST', '/public-site/big?uploads'));
  });

  it('Principal "*" with s3:GetObject: anonymous reads, nothing else; an explicit Deny still wins', async () => {
    await s3.send(new PutBucketPolicyCommand({
      Bucket: 'public-site',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::public-site/*' },
          { Sid: 'NotPrivate', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::public-site/private/*' },
        ],
      }),
    }));
    const got = await anonymous(h.endpoint, 'GET', '/public-site/index.html');
    assert.equal(got.status, 200);
    assert.equal(got.text, '<h1>hello</h1>');
    assert.equal((await anonymous(h.endpoint, 'HEAD', '/public-site/index.html')).status, 200);
    denied(await anonymous(h.endpoint, 'GET', '/public-site/private/secret.txt'));
    denied(await anonymous(h.endpoint, 'PUT', '/public-site/new.txt', 'x'));
    denied(await anonymous(h.endpoint, 'GET', '/public-site?list-type=2'));
    // The owner's trail records the anonymous read (the caller has no account of its own).
    const records = recordsOf(h, got.requestId);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.eventName, 'GetObject');
    assert.equal(records[0]!.recipientAccountId, ACCOUNT);
    assert.equal(records[0]!.userIdentity.type, 'AnonymousPrincipal');
  });

  it('{"AWS": "*"} with s3:PutObject admits anonymous uploads; without the policy they are denied again', async () => {
    await s3.send(new PutBucketPolicyCommand({
      Bucket: 'public-site',
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::public-site/drop/*' }] }),
    }));
    const put = await anonymous(h.endpoint, 'PUT', '/public-site/drop/upload.txt', 'dropped anonymously');
    assert.equal(put.status, 200, put.text);
    assert.equal((await anonymous(h.endpoint, 'GET', '/public-site/drop/upload.txt')).text, 'dropped anonymously');
    denied(await anonymous(h.endpoint, 'GET', '/public-site/index.html'));
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'public-site' }));
    denied(await anonymous(h.endpoint, 'GET', '/public-site/drop/upload.txt'));
  });

  it('a policy naming an account does not admit anonymous callers', async () => {
    await s3.send(new PutBucketPolicyCommand({
      Bucket: 'public-site',
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::public-site/*' }] }),
    }));
    denied(await anonymous(h.endpoint, 'GET', '/public-site/index.html'));
  });

  it('KMS never accepts an unsigned request', async () => {
    const r = await anonymous(h.endpoint, 'POST', '/', '{}', { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' });
    assert.equal(r.status, 400);
    assert.match(r.text, /MissingAuthenticationToken/);
  });
});
