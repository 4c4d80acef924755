/**
 * The console's static files at /console: content types, CSP, caching, HEAD, no way out of the
 * asset directory, and signed requests for /console… still reach S3 (a bucket named "console").
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Harness, s3Client } from './harness.js';
import { consoleRoot } from '../../src/server/console-assets.js';

/** A raw request (fetch would normalise ../ out of the path). */
function get(endpoint: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

describe('console assets', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await h.stop();
  });

  it('is built (npm run build) and found from src/ as from dist/', () => {
    const root = consoleRoot();
    assert.ok(root, 'dist/console/index.html missing: run npm run build');
    assert.ok(readdirSync(`${root}/assets`).some((f) => f.endsWith('.js')));
  });

  it('serves the page with a strict CSP, never cached, at /console, /console/ and any page path', async () => {
    for (const path of ['/console', '/console/', '/console/keys/abc']) {
      const r = await get(h.endpoint, path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(r.headers['cache-control'], 'no-store');
      const csp = String(r.headers['content-security-policy']);
      for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(d), d);
      assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.match(r.body, /<script type="module" crossorigin src="\/console\/assets\/index-[\w-]+\.js"><\/script>/);
      assert.doesNotMatch(r.body, /<script(?![^>]*src=)[^>]*>/, 'no inline script');
    }
  });

  it('serves hashed assets with their content type, cached for good; HEAD without a body', async () => {
    const page = await get(h.endpoint, '/console');
    const js = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)![1]!;
    const css = /href="(\/console\/assets\/[^"]+\.css)"/.exec(page.body)![1]!;
    const a = await get(h.endpoint, js);
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(a.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await get(h.endpoint, css)).headers['content-type'], 'text/css; charset=utf-8');
    const head = await get(h.endpoint, js, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(Number(head.headers['content-length']), Buffer.byteLength(a.body));
  });

  it('answers 404 for missing files and for paths that try to leave the asset directory', async () => {
    for (const path of ['/console/assets/nope.js', '/console/../package.json', '/console/%2e%2e/package.json', '/console/assets/..%2f..%2fpackage.json', '/console/%00.js', '/console/..%5cpackage.json']) {
      const r = await get(h.endpoint, path);
      assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
      assert.doesNotMatch(r.body, /"name": "locksmith"/);
    }
  });

  it('leaves signed requests for /console to S3: a bucket named "console" works', async () => {
    const s3 = s3Client(h);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'console' }));
      await s3.send(new PutObjectCommand({ Bucket: 'console', Key: 'index.html', Body: 'mine' }));
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'console' }));
      assert.deepEqual(listed.Contents?.map((o) => o.Key), ['index.html']);
    } finally {
      s3.destroy();
    }
  });
});
