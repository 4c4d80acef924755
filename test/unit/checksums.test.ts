import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  algorithmOfHeader,
  checksumBase64,
  checksumHeaderName,
  compositeChecksum,
  createHasher,
  decodeChecksum,
  multipartEtag,
  parseChecksumAlgorithm,
  type HashAlgorithm,
} from '../../src/crypto/checksums.js';

interface Vector {
  description: string;
  algorithm: HashAlgorithm;
  input: { fill?: number; length?: number; ascending?: number; descending?: number; ascii?: string };
  hex?: string;
  base64?: string;
}
const vectors = (JSON.parse(readFileSync(new URL('../vectors/checksums.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

function inputOf(v: Vector): Buffer {
  const i = v.input;
  if (i.ascii !== undefined) return Buffer.from(i.ascii, 'latin1');
  if (i.ascending !== undefined) return Buffer.from(Array.from({ length: i.ascending }, (_, k) => k));
  if (i.descending !== undefined) return Buffer.from(Array.from({ length: i.descending }, (_, k) => i.descending! - 1 - k));
  return Buffer.alloc(i.length!, i.fill!);
}

test('known-answer vectors (RFC 3720, CRC catalogue, S3 answer, empty-string digests)', () => {
  assert.ok(vectors.length >= 10);
  for (const v of vectors) {
    const expected = v.base64 ?? Buffer.from(v.hex!, 'hex').toString('base64');
    assert.equal(checksumBase64(v.algorithm, inputOf(v)), expected, v.description);
  }
});

test('incremental updates give the one-shot value, for every algorithm', () => {
  const data = Buffer.from(Array.from({ length: 100_003 }, (_, k) => (k * 7) & 0xff));
  for (const alg of ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'MD5'] as const) {
    const h = createHasher(alg);
    for (let off = 0; off < data.length; off += 4099) h.update(data.subarray(off, off + 4099));
    assert.equal(h.digest().toString('base64'), checksumBase64(alg, data), alg);
  }
});

test('algorithm names and headers', () => {
  assert.equal(parseChecksumAlgorithm('crc32c'), 'CRC32C');
  assert.equal(parseChecksumAlgorithm('MD5'), undefined);
  assert.equal(parseChecksumAlgorithm('CRC64NVME'), undefined);
  assert.equal(checksumHeaderName('SHA256'), 'x-amz-checksum-sha256');
  assert.equal(algorithmOfHeader('X-Amz-Checksum-CRC32'), 'CRC32');
  assert.equal(algorithmOfHeader('x-amz-checksum-md5'), undefined);
  assert.equal(algorithmOfHeader('x-amz-meta-crc32'), undefined);
});

test('decodeChecksum accepts only canonical base64 of the digest length', () => {
  assert.deepEqual(decodeChecksum('CRC32', 'NjowIA=='), Buffer.from('363a3020', 'hex'));
  assert.equal(decodeChecksum('CRC32', 'NjowIA='), undefined);
  assert.equal(decodeChecksum('CRC32', 'NjowIAAA'), undefined); // 6 bytes
  assert.equal(decodeChecksum('SHA256', 'NjowIA=='), undefined);
  assert.equal(decodeChecksum('CRC32', 'Njo*IA=='), undefined);
});

test('composite checksum: algorithm over the raw part checksums, base64, "-N"', () => {
  const parts = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.from('last part')];
  const partValues = parts.map((p) => checksumBase64('CRC32', p));
  const raw = Buffer.concat(partValues.map((v) => Buffer.from(v, 'base64')));
  assert.equal(raw.length, 8);
  assert.equal(compositeChecksum('CRC32', partValues), `${checksumBase64('CRC32', raw)}-2`);
  const shaParts = parts.map((p) => checksumBase64('SHA256', p));
  const expected = createHash('sha256').update(Buffer.concat(shaParts.map((v) => Buffer.from(v, 'base64')))).digest('base64');
  assert.equal(compositeChecksum('SHA256', shaParts), `${expected}-2`);
});

test('multipart ETag: md5 of the binary part md5s, hex, "-N"', () => {
  const md5s = ['a', 'b', 'c'].map((s) => createHash('md5').update(s).digest('hex'));
  const expected = createHash('md5').update(Buffer.concat(md5s.map((h) => Buffer.from(h, 'hex')))).digest('hex');
  assert.equal(multipartEtag(md5s), `${expected}-3`);
  assert.match(multipartEtag(md5s), /^[0-9a-f]{32}-3$/);
});
