/**
 * A large PutObject streams to disk: the server's resident memory stays bounded while the body
 * arrives (the body is never held whole), and the stored object is byte-exact (ETag = MD5).
 *
 * Size: LOCKSMITH_RELIABILITY=full → 1 GiB; default → 128 MiB. RSS growth must stay under 96 MiB.
 * Growth is measured from a server that has taken one 16 MiB PUT already: what a server sets up once
 * (its hash threads, their pooled blocks) is not memory a body holds.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { rootCredentials, spawnServer, type ServerProcess } from './lib/server-process.js';
import { bySize } from './lib/size.js';

const MiB = 1024 * 1024;
const TOTAL = bySize(128 * MiB, 1024 * MiB);
const MAX_GROWTH_KIB = 96 * 1024;

describe('S3 large PutObject: streamed to disk with bounded server memory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-s3-large-'));
  let server: ServerProcess;
  before(async () => {
    // Long enough for a 1 GiB body on a slow disk.
    server = await spawnServer(dataDir, { serveArgs: ['--request-timeout-ms', '600000'] });
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const signed = async (method: string, path: string, headers: Record<string, string>) => {
    const url = new URL(server.endpoint);
    const signer = new SignatureV4({ credentials: rootCredentials(dataDir), region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const req = new HttpRequest({ method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path, headers: { host: url.host, ...headers } });
    return { url, headers: (await signer.sign(req)).headers };
  };

  /** PUTs `total` bytes (every MiB differs) as UNSIGNED-PAYLOAD, 1 MiB writes; the answer and the body's MD5. */
  const putObject = async (path: string, total: number) => {
    const put = await signed('PUT', path, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(total) });
    const md5 = createHash('md5');
    const chunk = Buffer.alloc(MiB);
    const answer = await new Promise<{ code: number; etag?: string }>((resolve, reject) => {
      const req = request({ host: put.url.hostname, port: put.url.port, method: 'PUT', path, headers: put.headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ code: res.statusCode ?? 0, etag: res.headers.etag as string | undefined }));
      });
      req.on('error', reject);
      let sent = 0;
      const write = () => {
        while (sent < total) {
          chunk.writeUInt32BE(sent / MiB, 0); // every MiB differs
          md5.update(chunk);
          sent += chunk.length;
          if (!req.write(Buffer.from(chunk))) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    return { ...answer, md5: md5.digest('hex') };
  };

  it(`PUT of ${TOTAL / MiB} MiB with UNSIGNED-PAYLOAD`, async () => {
    const bucket = await signed('PUT', '/large', { 'x-amz-content-sha256': createHash('sha256').update('').digest('hex') });
    await new Promise<void>((resolve, reject) => {
      request({ host: bucket.url.hostname, port: bucket.url.port, method: 'PUT', path: '/large', headers: bucket.headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`CreateBucket ${res.statusCode}`))));
      }).end();
    });
    const warm = await putObject('/large/warm-up.bin', 16 * MiB);
    assert.equal(warm.code, 200);
    assert.equal(warm.etag, `"${warm.md5}"`);
    const baseline = server.rssKiB();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, server.rssKiB())), 50);
    const status = await putObject('/large/big.bin', TOTAL);
    clearInterval(sampler);
    peak = Math.max(peak, server.rssKiB());
    console.log(`RSS baseline ${baseline} KiB, peak ${peak} KiB, growth ${peak - baseline} KiB for ${TOTAL / MiB} MiB`);
    assert.equal(status.code, 200);
    assert.equal(status.etag, `"${status.md5}"`);
    assert.ok(peak - baseline < MAX_GROWTH_KIB, `server RSS grew by ${peak - baseline} KiB`);
  });
});
