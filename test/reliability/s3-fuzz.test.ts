/**
 * S3 request fuzzing against an in-process server: correctly signed requests (so they reach the
 * REST-XML layer) with random methods, addresses, subresources, absurd Range and conditional
 * headers, garbage copy sources and Content-MD5, malformed / truncated / random XML bodies.
 * Every answer must be below 500 (501 NotImplemented allowed), with S3's <Error> document when it
 * is an error with a body; the server must still answer afterwards.
 *
 * Size: LOCKSMITH_RELIABILITY=full → 20,000 requests; default → 600.
 * Replay: LOCKSMITH_SEED_RELIABILITY=<seed> (printed).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Harness, REGION, s3Client } from '../blackbox/harness.js';
import { Prng, runSeed } from './lib/prng.js';
import { bySize } from './lib/size.js';

const CASES = bySize(600, 20_000);

const PATHS = ['/', '/fuzz', '/fuzz/', '/fuzz/obj', '/fuzz/dir/obj', '/fuzz/%2e%2e/%2e%2e/etc', '/fuzz/a%20b', '/nobucket/k', '/UPPER/k', '/fuzz/' + 'k'.repeat(1100), '/fuzz/%F0%9F%94%91', '/fuzz/%ZZ'];
const QUERIES: Array<Record<string, string>> = [
  {}, { uploads: '' }, { uploadId: 'garbage', partNumber: '1' }, { uploadId: 'x', partNumber: '-1' }, { partNumber: 'abc' }, { partNumber: '99999' },
  { delete: '' }, { tagging: '' }, { policy: '' }, { 'list-type': '2', 'max-keys': 'abc' }, { 'list-type': '2', 'continuation-token': '%%%' },
  { 'list-type': '2', 'encoding-type': 'bogus' }, { 'max-keys': '99999999999999999999' }, { location: '' }, { versioning: '' }, { acl: '' },
  { 'response-content-type': 'x\u0000y' }, { versionId: 'v' }, { uploadId: '' }, { 'part-number-marker': 'x', uploadId: 'x' },
];
const RANGES = ['bytes=99999999999999999999-', 'bytes=-0', 'bytes=5-1', 'bytes=a-b', 'bytes=0-0,5-6', 'bytes=-99999999999999999999', 'bytes=', 'garbage'];
const XML = [
  '<Delete><Object><Key>a</Key></Object>', '<Delete>' + '<Object><Key>k</Key></Object>'.repeat(1001) + '</Delete>', '<<<>>>', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Delete>&a;</Delete>',
  '<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>', '<Tagging><TagSet><Tag><Key></Key></Tag></TagSet></Tagging>',
  '<CreateBucketConfiguration><LocationConstraint>mars-1</LocationConstraint></CreateBucketConfiguration>', '{"Statement":', '',
];

describe('S3 fuzz: malformed requests never get a 5xx', () => {
  let h: Harness;
  const seed = runSeed();
  before(async () => {
    console.log(`s3 fuzz seed ${seed} (replay: LOCKSMITH_SEED_RELIABILITY=${seed}), ${CASES} requests`);
    h = await Harness.start();
    const s3 = s3Client(h);
    await s3.send(new CreateBucketCommand({ Bucket: 'fuzz' }));
    await s3.send(new PutObjectCommand({ Bucket: 'fuzz', Key: 'obj', Body: '0123456789' }));
  });
  after(() => h.stop());

  it('answers every case below 500 (501 allowed) with an S3 error document', async () => {
    const rng = new Prng(seed);
    const url = new URL(h.endpoint);
    const signer = new SignatureV4({ credentials: h.credentials, region: REGION, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    for (let i = 0; i < CASES; i++) {
      const method = rng.pick(['GET', 'PUT', 'POST', 'DELETE', 'HEAD'] as const);
      const path = rng.pick(PATHS);
      const query = rng.pick(QUERIES);
      const headers: Record<string, string> = { host: url.host };
      if (rng.chance(0.3)) headers.range = rng.pick(RANGES);
      if (rng.chance(0.15)) headers['x-amz-copy-source'] = rng.pick(['%ZZ', '/', 'fuzz', 'fuzz/', 'fuzz/obj?versionId=1', 'nobucket/x', '/fuzz/obj']);
      if (rng.chance(0.15)) headers['x-amz-copy-source-range'] = rng.pick(RANGES);
      if (rng.chance(0.1)) headers['content-md5'] = rng.pick(['', '!!', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA==']);
      if (rng.chance(0.1)) headers['if-modified-since'] = rng.pick(['yesterday', 'Thu, 01 Jan 1970 00:00:00 GMT', '']);
      if (rng.chance(0.1)) headers['if-match'] = rng.pick(['', '*', '"x"', ',,,']);
      if (rng.chance(0.1)) headers['x-amz-metadata-directive'] = rng.pick(['COPY', 'REPLACE', 'MOVE']);
      const body = method === 'GET' || method === 'HEAD' ? '' : rng.chance(0.5) ? rng.pick(XML) : rng.bytes(rng.int(0, 300)).toString('latin1');
      const bytes = Buffer.from(body, 'latin1');
      headers['x-amz-content-sha256'] = createHash('sha256').update(bytes).digest('hex');
      const req = new HttpRequest({ method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path, query, headers, body: bytes });
      const signed = await signer.sign(req, { signingDate: h.clock.now() });
      const qs = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      const r = await rawSend(url, method, path + (qs ? `?${qs}` : ''), signed.headers, bytes);
      const label = `case ${i}: ${method} ${path} ${JSON.stringify(query)} ${JSON.stringify(headers)}`;
      assert.ok(r.status < 500 || r.status === 501, `${label} → ${r.status} ${r.text.slice(0, 300)}`);
      if (r.status >= 300 && r.status !== 304 && method !== 'HEAD') assert.match(r.text, /<Error><Code>\w+<\/Code><Message>/, label);
    }
    const alive = await rawSend(url, 'GET', '/health', {}, Buffer.alloc(0));
    assert.equal(alive.status, 200);
  });
});

function rawSend(url: URL, method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
