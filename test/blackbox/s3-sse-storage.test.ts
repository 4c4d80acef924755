import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { Upload } from '@aws-sdk/lib-storage';
import { awsCliEnv, Harness, s3Client } from './harness.js';
import { failure } from './audit-helpers.js';
import { queryTestDatabase } from '../lib/test-store.js';

/**
 * Encrypted at rest for real (src/crypto/object-chunks.ts): 64 KiB authenticated chunks, ranged
 * reads across chunk and part boundaries byte-exact, a flipped bit on disk never comes back as
 * data, and no plaintext anywhere in the data directory.
 */
const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const MARKER = 'LOCKSMITH-PLAINTEXT-MARKER-';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Deterministic bytes with the marker every 4 KiB (so the grep below has something to find if it leaked). */
function pattern(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b.writeUInt32LE(x, Math.min(i, size - 4));
  }
  for (let i = 0; i + MARKER.length <= size; i += 4096) b.write(MARKER, i, 'latin1');
  return b;
}

describe('S3 SSE at rest: chunks, ranges, tampering, no plaintext on disk', () => {
  let h: Harness;
  let s3: S3Client;
  let keyArn: string;
  const big = pattern(64 * MiB, 7);
  const partSize = 8 * MiB;
  const fileOf = (bucket: string, key: string): string => {
    const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
    const pg = queryTestDatabase<{ file_id: string }>(h.dataDir, `SELECT file_id FROM s3_objects WHERE bucket = ${lit(bucket)} AND key = ${lit(key)}`);
    if (pg) return join(h.dataDir, 'objects', pg[0]!.file_id);
    const db = new Database(join(h.dataDir, 'locksmith.db'), { readonly: true });
    try {
      return join(h.dataDir, 'objects', (db.prepare('SELECT file_id FROM s3_objects WHERE bucket = ? AND key = ?').pluck().get(bucket, key) as string));
    } finally {
      db.close();
    }
  };
  const range = async (Key: string, r: string) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'atrest', Key, Range: r }))).Body!.transformToByteArray());
  before(async () => {
    h = await Harness.start();
    s3 = s3Client(h);
    keyArn = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await s3.send(new CreateBucketCommand({ Bucket: 'atrest' }));
  });
  after(() => h.stop());

  it('64 MiB multipart SSE-KMS (lib-storage) round-trips; ranges across chunk and part boundaries are byte-exact', async () => {
    const parts = Array.from({ length: big.length / MiB }, (_, i) => big.subarray(i * MiB, (i + 1) * MiB));
    const up = new Upload({ client: s3, params: { Bucket: 'atrest', Key: 'big.bin', Body: Readable.from(parts), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }, partSize, queueSize: 2 });
    const done = await up.done();
    assert.match(done.ETag ?? '', /-8"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'atrest', Key: 'big.bin' }));
    assert.equal(got.SSEKMSKeyId, keyArn);
    assert.equal(got.ContentLength, big.length);
    assert.equal(sha(Buffer.from(await got.Body!.transformToByteArray())), sha(big));
    const cases: Array<[number, number]> = [
      [0, 0], [CHUNK - 1, CHUNK], [CHUNK - 5, 3 * CHUNK + 5], [partSize - 10, partSize + 10], [partSize - 1, partSize],
      [3 * partSize - CHUNK - 3, 5 * partSize + 7], [big.length - 1, big.length - 1], [12345, 12345 + CHUNK],
    ];
    for (const [s, e] of cases) assert.ok((await range('big.bin', `bytes=${s}-${e}`)).equals(big.subarray(s, e + 1)), `bytes ${s}-${e}`);
    assert.ok((await range('big.bin', 'bytes=-100')).equals(big.subarray(big.length - 100)));
    const part3 = await s3.send(new GetObjectCommand({ Bucket: 'atrest', Key: 'big.bin', PartNumber: 3 }));
    assert.ok(Buffer.from(await part3.Body!.transformToByteArray()).equals(big.subarray(2 * partSize, 3 * partSize)));
    // At rest: 16 bytes of header per part and 16 bytes of tag per 64 KiB chunk, nothing else.
    assert.equal(statSync(fileOf('atrest', 'big.bin')).size, big.length + 8 * 16 + (big.length / CHUNK) * 16);
  });

  it('UploadPartCopy decrypts an SSE-KMS source range (across chunks) and re-encrypts it under the upload\'s SSE-S3 key', async () => {
    const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'atrest', Key: 'assembled.bin' }));
    const first = big.subarray(0, 5 * MiB);
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'atrest', Key: 'assembled.bin', UploadId: mpu.UploadId, PartNumber: 1, Body: first }));
    assert.equal(p1.ServerSideEncryption, 'AES256');
    const [s, e] = [partSize - CHUNK - 5, partSize + 3 * CHUNK + 9];
    const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: 'atrest', Key: 'assembled.bin', UploadId: mpu.UploadId, PartNumber: 2, CopySource: 'atrest/big.bin', CopySourceRange: `bytes=${s}-${e}` }));
    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'atrest', Key: 'assembled.bin', UploadId: mpu.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag }] },
    }));
    assert.equal(done.ServerSideEncryption, 'AES256');
    const expected = Buffer.concat([first, big.subarray(s, e + 1)]);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'atrest', Key: 'assembled.bin' }));
    assert.equal(got.ServerSideEncryption, 'AES256');
    assert.equal(sha(Buffer.from(await got.Body!.transformToByteArray())), sha(expected));
    assert.ok((await range('assembled.bin', `bytes=${5 * MiB - 7}-${5 * MiB + 7}`)).equals(expected.subarray(5 * MiB - 7, 5 * MiB + 8)));
  });

  it('no plaintext in the data directory: SSE-S3 default objects and SSE-KMS objects alike', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'atrest', Key: 'default.bin', Body: pattern(300 * 1024, 3) }));
    await s3.send(new PutObjectCommand({ Bucket: 'atrest', Key: 'kms.bin', Body: pattern(100 * 1024, 4), ServerSideEncryption: 'aws:kms' }));
    const needle = Buffer.from(MARKER, 'latin1');
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
    const files = walk(h.dataDir);
    assert.ok(files.some((f) => f.includes(`${join('objects', '')}`)), 'object files exist');
    for (const f of files) assert.equal(readFileSync(f).indexOf(needle), -1, `plaintext marker found in ${f}`);
  });

  it('a flipped bit in a stored chunk: the GET fails and never returns wrong bytes; untouched chunks still read', async () => {
    const body = pattern(5 * CHUNK + 100, 11);
    await s3.send(new PutObjectCommand({ Bucket: 'atrest', Key: 'victim.bin', Body: body }));
    const file = fileOf('atrest', 'victim.bin');
    const flip = (offset: number) => {
      const fd = openSync(file, 'r+');
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, offset);
      b[0]! ^= 0x04;
      writeSync(fd, b, 0, 1, offset);
      closeSync(fd);
    };
    // A bit in chunk 3 (header 16 bytes, sealed chunks of 64 KiB + 16).
    flip(16 + 3 * (CHUNK + 16) + 777);
    // The whole object: the first chunks come out, then the connection is cut — the read fails.
    const outcome = await (async () => {
      try {
        const got = await s3.send(new GetObjectCommand({ Bucket: 'atrest', Key: 'victim.bin' }));
        return Buffer.from(await got.Body!.transformToByteArray());
      } catch (e) {
        return e as Error;
      }
    })();
    assert.ok(outcome instanceof Error, `the read must fail, got ${outcome instanceof Buffer ? `${outcome.length} bytes` : outcome}`);
    // A range starting in the corrupt chunk is refused before any byte is sent.
    const e = await failure(() => s3.send(new GetObjectCommand({ Bucket: 'atrest', Key: 'victim.bin', Range: `bytes=${3 * CHUNK}-${3 * CHUNK + 10}` })));
    assert.equal(e.$metadata.httpStatusCode, 500);
    assert.equal(e.name, 'InternalError');
    // Chunks are independent: a range that does not touch chunk 3 still reads exactly.
    assert.ok((await range('victim.bin', `bytes=${CHUNK - 3}-${2 * CHUNK + 3}`)).equals(body.subarray(CHUNK - 3, 2 * CHUNK + 4)));
  });

  it('aws CLI: s3 cp --sse aws:kms up and down, head-object shows the key ARN', async () => {
    const run = promisify(execFile);
    const aws = async (...args: string[]) => (await run('aws', ['--endpoint-url', h.endpoint, ...args], { env: awsCliEnv(h) })).stdout;
    const src = join(h.dataDir, 'cli.txt');
    writeFileSync(src, 'sse via the aws cli');
    await aws('s3', 'cp', src, 's3://atrest/cli.txt', '--sse', 'aws:kms', '--sse-kms-key-id', keyArn);
    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'atrest', '--key', 'cli.txt', '--output', 'json'));
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, keyArn);
    assert.equal(await aws('s3', 'cp', 's3://atrest/cli.txt', '-'), 'sse via the aws cli');
    const enc = JSON.parse(await aws('s3api', 'get-bucket-encryption', '--bucket', 'atrest', '--output', 'json'));
    assert.equal(enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm, 'AES256');
  });
});
