import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { awsCliEnv, Harness } from './harness.js';

const run = promisify(execFile);

/** The machine's aws CLI against Locksmith's S3: `aws s3 mb/cp/ls/rm` and `aws s3api`. */
describe('aws CLI: s3 and s3api smoke path', () => {
  let h: Harness;
  before(async () => (h = await Harness.start()));
  after(() => h.stop());

  const aws = async (...args: string[]) => {
    const env = awsCliEnv(h);
    const { stdout } = await run('aws', ['--endpoint-url', h.endpoint, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  };

  it('aws s3 mb, cp up and down, ls, rm, rb', async () => {
    assert.match(await aws('s3', 'mb', 's3://demo'), /make_bucket: demo/);
    const small = join(h.dataDir, 'small.txt');
    writeFileSync(small, 'hello from aws s3 cp');
    await aws('s3', 'cp', small, 's3://demo/dir/small.txt');
    const listing = await aws('s3', 'ls', 's3://demo/dir/');
    assert.match(listing, /\s20 small\.txt/);
    assert.match(await aws('s3', 'ls'), /demo/);
    const back = join(h.dataDir, 'back.txt');
    await aws('s3', 'cp', 's3://demo/dir/small.txt', back);
    assert.equal(readFileSync(back, 'utf8'), 'hello from aws s3 cp');
    assert.equal(await aws('s3', 'cp', 's3://demo/dir/small.txt', '-'), 'hello from aws s3 cp');
    await aws('s3', 'rm', 's3://demo/dir/small.txt');
    assert.doesNotMatch(await aws('s3', 'ls', 's3://demo/', '--recursive'), /small\.txt/);
    assert.match(await aws('s3', 'rb', 's3://demo'), /remove_bucket: demo/);
  });

  it('aws s3 cp of a 20 MiB file goes through multipart and comes back identical', async () => {
    await aws('s3', 'mb', 's3://bigdemo');
    const big = join(h.dataDir, 'big.bin');
    const bytes = randomBytes(20 * 1024 * 1024);
    writeFileSync(big, bytes);
    await aws('s3', 'cp', big, 's3://bigdemo/big.bin');
    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'bigdemo', '--key', 'big.bin', '--output', 'json'));
    assert.equal(head.ContentLength, bytes.length);
    assert.match(head.ETag, /-\d+"$/); // multipart ETag
    const back = join(h.dataDir, 'big-back.bin');
    await aws('s3', 'cp', 's3://bigdemo/big.bin', back);
    assert.ok(readFileSync(back).equals(bytes));
  });

  it('aws s3 sync uploads a tree and downloads it back', async () => {
    const { mkdirSync } = await import('node:fs');
    const src = join(h.dataDir, 'tree');
    mkdirSync(join(src, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(src, 'top.txt'), 'top');
    writeFileSync(join(src, 'sub', 'mid.txt'), 'mid');
    writeFileSync(join(src, 'sub', 'deeper', 'low.txt'), 'low');
    await aws('s3', 'mb', 's3://syncdemo');
    // The harness clock stands still: move it past the files' mtimes, as real upload times are.
    h.advance(120_000);
    await aws('s3', 'sync', src, 's3://syncdemo/tree');
    assert.deepEqual((await aws('s3', 'ls', 's3://syncdemo/', '--recursive')).trim().split('\n').map((l) => l.trim().split(/\s+/).pop()).sort(), ['tree/sub/deeper/low.txt', 'tree/sub/mid.txt', 'tree/top.txt']);
    const dst = join(h.dataDir, 'tree-back');
    await aws('s3', 'sync', 's3://syncdemo/tree', dst);
    assert.equal(readFileSync(join(dst, 'sub', 'deeper', 'low.txt'), 'utf8'), 'low');
    // A second sync has nothing to do.
    assert.equal((await aws('s3', 'sync', src, 's3://syncdemo/tree')).trim(), '');
  });

  it('aws s3api put-object, get-object-tagging, list-objects-v2, delete-objects', async () => {
    await aws('s3api', 'create-bucket', '--bucket', 'apidemo');
    const file = join(h.dataDir, 'api.txt');
    writeFileSync(file, 'api');
    const put = JSON.parse(await aws('s3api', 'put-object', '--bucket', 'apidemo', '--key', 'a b/c', '--body', file, '--tagging', 'x=1', '--output', 'json'));
    assert.equal(put.ETag, '"8a5da52ed126447d359e70c05721a8aa"');
    const tags = JSON.parse(await aws('s3api', 'get-object-tagging', '--bucket', 'apidemo', '--key', 'a b/c', '--output', 'json'));
    assert.deepEqual(tags.TagSet, [{ Key: 'x', Value: '1' }]);
    const listed = JSON.parse(await aws('s3api', 'list-objects-v2', '--bucket', 'apidemo', '--output', 'json'));
    assert.deepEqual(listed.Contents.map((c: { Key: string }) => c.Key), ['a b/c']);
    const del = JSON.parse(await aws('s3api', 'delete-objects', '--bucket', 'apidemo', '--delete', 'Objects=[{Key="a b/c"}]', '--output', 'json'));
    assert.deepEqual(del.Deleted.map((d: { Key: string }) => d.Key), ['a b/c']);
  });
});
