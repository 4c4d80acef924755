/**
 * SSE-C (S3 User Guide, "Using server-side encryption with customer-provided keys"): the key in
 * three headers on every request, validated as S3 does, never stored; wrong key 403, missing 400,
 * HTTPS only; blocked by default on new buckets since April 2026 (BlockedEncryptionTypes = SSE-C)
 * for writes only. Driven by @aws-sdk/client-s3 over the generated CA, raw signed requests for the
 * shapes the SDK will not send, and the aws CLI's --sse-c.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  PutBucketEncryptionCommand, PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { startLocksmith, type RunningLocksmith } from '../../src/server/app.js';
import { ManualClock } from '../../src/util/clock.js';
import { send, signRequest, type RawResponse, type UnsignedRequest } from './harness.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const md5b64 = (b: Buffer) => createHash('md5').update(b).digest('base64');
const ssec = (k: Buffer = KEY) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: new Uint8Array(k) as unknown as string });
const rawSsec = (k: Buffer = KEY, prefix = 'x-amz-server-side-encryption-customer') => ({
  [`${prefix}-algorithm`]: 'AES256', [`${prefix}-key`]: k.toString('base64'), [`${prefix}-key-MD5`]: md5b64(k),
});
const unblock = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const }, BlockedEncryptionTypes: { EncryptionType: ['NONE' as const] } }] };
const block = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C' as const] } }] };

async function s3Failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  assert.fail('expected the request to fail');
}

describe('S3 SSE-C', () => {
  let dataDir: string;
  let server: RunningLocksmith;
  let ca: string;
  let s3: S3Client;
  const clock = new ManualClock(Date.now());

  /** A SigV4-signed S3 request sent as given, over HTTPS (or HTTP with `plain`). */
  async function raw(method: string, path: string, headers: Record<string, string>, body = '', plain = false): Promise<RawResponse> {
    const endpoint = plain ? server.endpoint : server.tlsEndpoint!;
    const signed = await signRequest(endpoint, {
      method, path, headers: { 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'), ...headers }, body,
      credentials: server.rootCredentials, region: REGION, service: 's3', signingDate: clock.now(),
    });
    return plain ? send(endpoint, signed) : sendTls(endpoint, signed, ca);
  }
  const code = (r: RawResponse) => /<Code>([^<]*)<\/Code>/.exec(r.text)?.[1];
  const message = (r: RawResponse) => /<Message>([^<]*)<\/Message>/.exec(r.text)?.[1];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'locksmith-ssec-'));
    server = await startLocksmith({ host: '127.0.0.1', port: 0, tlsPort: 0, dataDir, defaultAccount: ACCOUNT, defaultRegion: REGION, clock, log: () => {} });
    ca = readFileSync(server.tlsCaFile!, 'utf8');
    s3 = new S3Client({
      endpoint: server.tlsEndpoint!, region: REGION, credentials: server.rootCredentials, forcePathStyle: true, maxAttempts: 1,
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', requestHandler: { httpsAgent: new Agent({ ca }) },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'ssec' }));
  });
  after(async () => {
    s3.destroy();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a new bucket blocks SSE-C writes (April 2026 default): 403 AccessDenied', async () => {
    const e = await s3Failure(s3.send(new PutObjectCommand({ Bucket: 'ssec', Key: 'blocked', Body: 'x', ...ssec() })));
    assert.equal(e.name, 'AccessDenied');
    assert.equal(e.status, 403);
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'ssec', ServerSideEncryptionConfiguration: unblock }));
  });

  it('PUT, GET and HEAD with the key; headers echo algorithm and key MD5; the ETag is not the MD5 of the body', async () => {
    const body = 'customer-encrypted bytes';
    const put = await s3.send(new PutObjectCommand({ Bucket: 'ssec', Key: 'a', Body: body, ...ssec() }));
    assert.equal(put.SSECustomerAlgorithm, 'AES256');
    assert.equal(put.SSECustomerKeyMD5, md5b64(KEY));
    assert.equal(put.ServerSideEncryption, undefined);
    assert.notEqual(put.ETag, `"${createHash('md5').update(body).digest('hex')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'ssec', Key: 'a', ...ssec() }));
    assert.equal(await got.Body!.transformToString(), body);
    assert.equal(got.SSECustomerKeyMD5, md5b64(KEY));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'ssec', Key: 'a', ...ssec() }));
    assert.equal(head.SSECustomerAlgorithm, 'AES256');
    assert.equal(head.ContentLength, body.length);
    const ranged = await s3.send(new GetObjectCommand({ Bucket: 'ssec', Key: 'a', Range: 'bytes=9-17', ...ssec() }));
    assert.equal(await ranged.Body!.transformToString(), body.slice(9, 18));
  });

  it('no key: 400 InvalidRequest; another key: 403 AccessDenied (HEAD alike)', async () => {
    const missing = await raw('GET', '/ssec/a', {});
    assert.equal(missing.status, 400);
    assert.equal(code(missing), 'InvalidRequest');
    assert.equal(message(missing), 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
    const wrong = await s3Failure(s3.send(new GetObjectCommand({ Bucket: 'ssec', Key: 'a', ...ssec(OTHER_KEY) })));
    assert.equal(wrong.name, 'AccessDenied');
    assert.equal(wrong.status, 403);
    assert.equal((await s3Failure(s3.send(new HeadObjectCommand({ Bucket: 'ssec', Key: 'a' })))).status, 400);
    assert.equal((await s3Failure(s3.send(new HeadObjectCommand({ Bucket: 'ssec', Key: 'a', ...ssec(OTHER_KEY) })))).status, 403);
  });

  it('key headers on an object stored without SSE-C: 400 InvalidRequest', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'ssec', Key: 'plain', Body: 'p' }));
    const r = await raw('GET', '/ssec/plain', rawSsec());
    assert.equal(r.status, 400);
    assert.equal(message(r), 'The encryption parameters are not applicable to this object.');
  });

  it('over plain HTTP: 400 InvalidRequest, before anything is stored', async () => {
    const r = await raw('PUT', '/ssec/http', rawSsec(), 'x', true);
    assert.equal(r.status, 400);
    assert.equal(code(r), 'InvalidRequest');
    assert.match(message(r)!, /secure connection/);
    assert.equal((await raw('GET', '/ssec/http', {})).status, 404);
  });

  it('malformed key headers answer S3\'s errors', async () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ ...rawSsec(), 'x-amz-server-side-encryption-customer-algorithm': 'AES128' }, 'InvalidEncryptionAlgorithmError', /AES256/],
      [{ ...rawSsec(), 'x-amz-server-side-encryption-customer-key': randomBytes(16).toString('base64') }, 'InvalidArgument', /^The secret key was invalid for the specified algorithm\.$/],
      [{ ...rawSsec(), 'x-amz-server-side-encryption-customer-key-MD5': md5b64(OTHER_KEY) }, 'InvalidArgument', /^The calculated MD5 hash of the key did not match the hash that was provided\.$/],
      [{ 'x-amz-server-side-encryption-customer-algorithm': 'AES256' }, 'InvalidArgument', /must provide an appropriate secret key\.$/],
      [{ 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': KEY.toString('base64') }, 'InvalidArgument', /client calculated MD5 of the secret key\.$/],
      [{ ...rawSsec(), 'x-amz-server-side-encryption': 'AES256' }, 'InvalidArgument', /^Server Side Encryption with Customer provided key is incompatible with the encryption method specified$/],
    ];
    for (const [headers, want, text] of cases) {
      const r = await raw('PUT', '/ssec/bad', headers, 'x');
      assert.equal(r.status, 400, r.text);
      assert.equal(code(r), want, r.text);
      assert.match(message(r)!, text);
    }
  });

  it('multipart: every UploadPart and UploadPartCopy needs the key of CreateMultipartUpload', async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'ssec', Key: 'mp', ...ssec() }));
    assert.equal(created.SSECustomerKeyMD5, md5b64(KEY));
    const UploadId = created.UploadId;
    const part = (n: number, extra: object) => s3.send(new UploadPartCommand({ Bucket: 'ssec', Key: 'mp', UploadId, PartNumber: n, Body: Buffer.alloc(5 * 1024 * 1024, n), ...extra }));
    const missing = await s3Failure(part(1, {}));
    assert.deepEqual([missing.name, missing.status], ['InvalidRequest', 400]);
    const wrong = await s3Failure(part(1, ssec(OTHER_KEY)));
    assert.deepEqual([wrong.name, wrong.status], ['InvalidRequest', 400]);
    const p1 = await part(1, ssec());
    assert.equal(p1.SSECustomerKeyMD5, md5b64(KEY));
    const p2 = await part(2, ssec());
    // A third part copied from the SSE-C object 'a' (its key in the copy-source headers).
    const copyPart = (extra: object) => s3.send(new UploadPartCopyCommand({ Bucket: 'ssec', Key: 'mp', UploadId, PartNumber: 3, CopySource: 'ssec/a', ...ssec(), ...extra }));
    assert.equal((await s3Failure(copyPart({}))).status, 400);
    const p3 = await copyPart({ CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: new Uint8Array(KEY) as unknown as string });
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'ssec', Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }, { PartNumber: 3, ETag: p3.CopyPartResult!.ETag }] },
    }));
    const tail = await s3.send(new GetObjectCommand({ Bucket: 'ssec', Key: 'mp', Range: 'bytes=-24', ...ssec() }));
    assert.equal(await tail.Body!.transformToString(), 'customer-encrypted bytes');
    const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'ssec', Key: 'mp', Range: 'bytes=5242878-5242881', ...ssec() }))).Body!.transformToByteArray());
    assert.deepEqual([...got], [1, 1, 2, 2]);
  });

  it('copy: the source key in the copy-source headers, the copy under another key or SSE-S3', async () => {
    const missing = await s3Failure(s3.send(new CopyObjectCommand({ Bucket: 'ssec', Key: 'copy1', CopySource: 'ssec/a' })));
    assert.equal(missing.status, 400);
    await s3.send(new CopyObjectCommand({
      Bucket: 'ssec', Key: 'copy1', CopySource: 'ssec/a', CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: new Uint8Array(KEY) as unknown as string, ...ssec(OTHER_KEY),
    }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'ssec', Key: 'copy1', ...ssec(OTHER_KEY) }))).Body!.transformToString(), 'customer-encrypted bytes');
    await s3.send(new CopyObjectCommand({ Bucket: 'ssec', Key: 'copy2', CopySource: 'ssec/copy1', CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: new Uint8Array(OTHER_KEY) as unknown as string }));
    const plain = await s3.send(new GetObjectCommand({ Bucket: 'ssec', Key: 'copy2' }));
    assert.equal(plain.ServerSideEncryption, 'AES256');
    assert.equal(await plain.Body!.transformToString(), 'customer-encrypted bytes');
  });

  it('blocking SSE-C again refuses new writes but existing SSE-C objects stay readable with their key', async () => {
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'ssec', ServerSideEncryptionConfiguration: block }));
    try {
      assert.equal((await s3Failure(s3.send(new PutObjectCommand({ Bucket: 'ssec', Key: 'late', Body: 'x', ...ssec() })))).name, 'AccessDenied');
      assert.equal((await s3Failure(s3.send(new CreateMultipartUploadCommand({ Bucket: 'ssec', Key: 'late', ...ssec() })))).name, 'AccessDenied');
      assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'ssec', Key: 'a', ...ssec() }))).Body!.transformToString(), 'customer-encrypted bytes');
    } finally {
      await s3.send(new PutBucketEncryptionCommand({ Bucket: 'ssec', ServerSideEncryptionConfiguration: unblock }));
    }
  });

  it('neither the key nor the plaintext is anywhere in the data directory', async () => {
    const marker = Buffer.from(`plaintext-marker-${randomBytes(8).toString('hex')}`);
    await s3.send(new PutObjectCommand({ Bucket: 'ssec', Key: 'marker', Body: marker, ...ssec() }));
    const needles = [marker, KEY, Buffer.from(KEY.toString('base64')), Buffer.from(KEY.toString('hex'))];
    const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
    for (const file of walk(dataDir)) {
      const bytes = readFileSync(file);
      for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${file} holds a secret`);
    }
  });

  it('the aws CLI: s3 cp --sse-c up and down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locksmith-ssec-cli-'));
    try {
      writeFileSync(join(dir, 'key.bin'), KEY);
      writeFileSync(join(dir, 'up.txt'), 'via the aws cli');
      const env = {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_ACCESS_KEY_ID: server.rootCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.rootCredentials.secretAccessKey, AWS_DEFAULT_REGION: REGION, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      };
      const common = ['--endpoint-url', server.tlsEndpoint!, '--ca-bundle', server.tlsCaFile!, '--sse-c', 'AES256', '--sse-c-key', `fileb://${join(dir, 'key.bin')}`];
      await aws(['s3', 'cp', join(dir, 'up.txt'), 's3://ssec/cli.txt', ...common], env);
      await aws(['s3', 'cp', 's3://ssec/cli.txt', join(dir, 'down.txt'), ...common], env);
      assert.equal(readFileSync(join(dir, 'down.txt'), 'utf8'), 'via the aws cli');
      const head = JSON.parse(await aws(['s3api', 'head-object', '--bucket', 'ssec', '--key', 'cli.txt', '--endpoint-url', server.tlsEndpoint!, '--ca-bundle', server.tlsCaFile!,
        '--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${join(dir, 'key.bin')}`], env)) as { SSECustomerKeyMD5: string };
      assert.equal(head.SSECustomerKeyMD5, md5b64(KEY));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function aws(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('aws', args, { env, encoding: 'utf8' }, (err, stdout, stderr) => (err ? reject(new Error(`aws ${args.slice(0, 3).join(' ')}: ${stderr}`)) : resolve(stdout))));
}

function sendTls(endpoint: string, r: UnsignedRequest, ca: string): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, method: r.method, path: r.path, headers: r.headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), json: undefined }));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}
