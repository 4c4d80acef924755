/**
 * Adapter-independent contract for the S3 metadata port (src/store/s3-ports.ts) and the
 * object-bytes port. Each adapter's test file calls `s3StoreContract` once.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { S3ParentGoneError, type ObjectFiles, type S3Object, type S3Store } from '../../src/store/s3-ports.js';

const name = () => `b-${randomBytes(6).toString('hex')}`;
const object = (bucket: string, key: string, fileId = randomBytes(16).toString('hex')): S3Object => ({
  bucket, key, fileId, size: 1, etag: '"e"', lastModified: new Date(1_700_000_000_000), headers: { userMetadata: { a: 'b' }, contentType: 'text/plain' }, tags: [], partSizes: [],
});
const text = async (r: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export function s3StoreContract(adapter: string, open: () => S3Store, files: () => ObjectFiles): void {
  describe(`S3 store contract: ${adapter}`, () => {
    let s: S3Store;
    beforeEach(() => (s = open()));
    afterEach(() => s.close());

    it('buckets: create once (second create reports exists), get, list by account, policy and tags, delete', async () => {
      const b = name();
      assert.equal(await s.createBucket({ name: b, account: '111111111111', region: 'us-east-1', createdAt: new Date(5000) }), 'created');
      assert.equal(await s.createBucket({ name: b, account: '222222222222', region: 'us-east-1', createdAt: new Date(6000) }), 'exists');
      const got = await s.getBucket(b);
      assert.deepEqual(got, { name: b, account: '111111111111', region: 'us-east-1', createdAt: new Date(5000) });
      assert.ok((await s.listBuckets('111111111111')).some((x) => x.name === b));
      assert.ok(!(await s.listBuckets('222222222222')).some((x) => x.name === b));
      await s.setBucketPolicy(b, '{"p":1}');
      await s.setBucketTags(b, [{ Key: 'k', Value: 'v' }]);
      assert.equal((await s.getBucket(b))?.policy, '{"p":1}');
      assert.deepEqual((await s.getBucket(b))?.tags, [{ Key: 'k', Value: 'v' }]);
      await s.setBucketEncryption(b, { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'alias/x', bucketKeyEnabled: true, blockedEncryptionTypes: ['SSE-C'] });
      assert.deepEqual((await s.getBucket(b))?.encryption, { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'alias/x', bucketKeyEnabled: true, blockedEncryptionTypes: ['SSE-C'] });
      await s.setBucketEncryption(b, undefined);
      assert.equal((await s.getBucket(b))?.encryption, undefined);
      await s.setBucketPolicy(b, undefined);
      assert.equal((await s.getBucket(b))?.policy, undefined);
      assert.equal(await s.deleteBucket(b), 'deleted');
      assert.equal(await s.deleteBucket(b), 'missing');
    });

    it('objects: put returns the replaced file id, keys of any characters, ordered listing with prefix and start position', async () => {
      const b = name();
      await s.createBucket({ name: b, account: '1', region: 'us-east-1', createdAt: new Date(0) });
      const first = object(b, 'k');
      assert.equal(await s.putObject(first), undefined);
      const second = object(b, 'k');
      assert.equal(await s.putObject(second), first.fileId);
      assert.deepEqual(await s.getObject(b, 'k'), second);
      // The encryption record round-trips as given.
      const sealed = { ...object(b, 'enc'), encryption: { algorithm: 'aws:kms', encryptedDataKey: 'AQID', kmsKeyArn: 'arn:aws:kms:us-east-1:1:key/k', context: { 'aws:s3:arn': `arn:aws:s3:::${b}/enc` }, bucketKeyEnabled: false, partNumbers: [1, 3] } };
      await s.putObject(sealed);
      assert.deepEqual(await s.getObject(b, 'enc'), sealed);
      await s.deleteObject(b, 'enc');
      for (const k of ['a/1', 'a/2', 'a/b/3', 'b', '../x', 'ü', 'trailing ']) await s.putObject(object(b, k));
      assert.equal(await s.deleteBucket(b), 'notEmpty');
      assert.deepEqual((await s.listObjects(b, 'a/', '', 10)).map((o) => o.key), ['a/1', 'a/2', 'a/b/3']);
      assert.deepEqual((await s.listObjects(b, 'a/', 'a/1', 1)).map((o) => o.key), ['a/2']);
      assert.deepEqual((await s.listObjects(b, '', '', 100)).map((o) => o.key), ['../x', 'a/1', 'a/2', 'a/b/3', 'b', 'k', 'trailing ', 'ü']);
      assert.equal(await s.setObjectTags(b, 'b', [{ Key: 't', Value: '1' }]), true);
      assert.equal(await s.setObjectTags(b, 'nope', []), false);
      assert.equal(await s.deleteObject(b, 'k'), second.fileId);
      assert.equal(await s.deleteObject(b, 'k'), undefined);
      assert.ok((await s.referencedFiles()).has(first.fileId) === false);
    });

    it('multipart: parts replace by number, complete commits the object and removes the upload, abort returns part files', async () => {
      const b = name();
      await s.createBucket({ name: b, account: '1', region: 'us-east-1', createdAt: new Date(0) });
      const upload = {
        uploadId: randomBytes(8).toString('hex'), bucket: b, key: 'big', initiated: new Date(1000), account: '1', initiatorArn: 'arn:x', headers: { userMetadata: {} }, tags: [],
        encryption: { algorithm: 'AES256', encryptedDataKey: 'AQID' },
      };
      await s.createUpload(upload);
      assert.deepEqual(await s.getUpload(upload.uploadId), upload);
      assert.deepEqual((await s.listUploads(b)).map((u) => u.uploadId), [upload.uploadId]);
      assert.deepEqual(await s.listUploads(b, 'zzz'), []);
      assert.deepEqual(await s.listUploads(b, 'b', 'big'), []);
      assert.deepEqual((await s.listUploads(b, 'b', 'a', 1)).map((u) => u.key), ['big']);
      const part = (n: number, fileId: string) => ({ uploadId: upload.uploadId, partNumber: n, fileId, size: 5, etag: '"p"', lastModified: new Date(2000) });
      assert.equal(await s.putPart(part(1, 'f1')), undefined);
      assert.equal(await s.putPart(part(1, 'f1b')), 'f1');
      await s.putPart(part(2, 'f2'));
      assert.deepEqual((await s.listParts(upload.uploadId)).map((p) => p.fileId), ['f1b', 'f2']);
      assert.deepEqual((await s.completeUpload(upload.uploadId, object(b, 'big', 'whole'))).sort(), ['f1b', 'f2']);
      assert.equal(await s.getUpload(upload.uploadId), undefined);
      assert.equal((await s.getObject(b, 'big'))?.fileId, 'whole');
      const other = { ...upload, uploadId: randomBytes(8).toString('hex') };
      await s.createUpload(other);
      await s.putPart({ ...part(1, 'g1'), uploadId: other.uploadId });
      assert.deepEqual(await s.deleteUpload(other.uploadId), ['g1']);
      assert.deepEqual(await s.listUploads(b), []);
      // Writes under a parent removed meanwhile are refused with S3ParentGoneError, nothing committed.
      await assert.rejects(s.putPart({ ...part(1, 'late'), uploadId: other.uploadId }), S3ParentGoneError);
      await assert.rejects(s.completeUpload(other.uploadId, object(b, 'late')), S3ParentGoneError);
      assert.equal(await s.getObject(b, 'late'), undefined);
      const empty = name();
      await s.createBucket({ name: empty, account: '1', region: 'us-east-1', createdAt: new Date(0) });
      await s.deleteBucket(empty);
      await assert.rejects(s.putObject(object(empty, 'k')), S3ParentGoneError);
      await assert.rejects(s.createUpload({ ...upload, uploadId: 'u-gone', bucket: empty }), S3ParentGoneError);
    });

    it('concurrent puts of one new key and of one part: every file but the last one committed is reported as replaced', async () => {
      const b = name();
      await s.createBucket({ name: b, account: '111111111111', region: 'us-east-1', createdAt: new Date(5000) });
      const puts = Array.from({ length: 8 }, () => object(b, 'race'));
      const replaced = await Promise.all(puts.map((o) => s.putObject(o)));
      const final = (await s.getObject(b, 'race'))!.fileId;
      assert.deepEqual([...replaced.filter((f) => f !== undefined), final].sort(), puts.map((o) => o.fileId).sort());
      const uploadId = randomBytes(8).toString('hex');
      await s.createUpload({ uploadId, bucket: b, key: 'mp', initiated: new Date(6000), account: '111111111111', initiatorArn: 'arn:aws:iam::111111111111:root', headers: { userMetadata: {} }, tags: [] });
      const parts = Array.from({ length: 8 }, () => ({ uploadId, partNumber: 1, fileId: randomBytes(16).toString('hex'), size: 1, etag: '"p"', lastModified: new Date(7000) }));
      const replacedParts = await Promise.all(parts.map((p) => s.putPart(p)));
      const finalPart = (await s.listParts(uploadId))[0]!.fileId;
      assert.deepEqual([...replacedParts.filter((f) => f !== undefined), finalPart].sort(), parts.map((p) => p.fileId).sort());
    });

    it('checksums: an object, an upload and its parts keep their x-amz-checksum-* (absent stays absent)', async () => {
      const b = name();
      await s.createBucket({ name: b, account: '1', region: 'us-east-1', createdAt: new Date(0) });
      const withSum = { ...object(b, 'sum'), checksum: { algorithm: 'CRC32C' as const, value: '4waSgw==', type: 'FULL_OBJECT' as const } };
      await s.putObject(withSum);
      assert.deepEqual(await s.getObject(b, 'sum'), withSum);
      assert.deepEqual((await s.listObjects(b, 'sum', '', 1))[0]?.checksum, withSum.checksum);
      await s.putObject(object(b, 'sum'));
      assert.equal((await s.getObject(b, 'sum'))?.checksum, undefined, 'an overwrite without a checksum drops the old one');
      const upload = {
        uploadId: randomBytes(8).toString('hex'), bucket: b, key: 'mp', initiated: new Date(1000), account: '1', initiatorArn: 'arn:x',
        headers: { userMetadata: {} }, tags: [], checksum: { algorithm: 'SHA1' as const, type: 'COMPOSITE' as const },
      };
      await s.createUpload(upload);
      assert.deepEqual(await s.getUpload(upload.uploadId), upload);
      assert.deepEqual((await s.listUploads(b))[0]?.checksum, upload.checksum);
      const part = { uploadId: upload.uploadId, partNumber: 1, fileId: 'p1', size: 9, etag: '"p"', lastModified: new Date(2000), checksum: { algorithm: 'SHA1' as const, value: '98O8HYCOBHMq32eZZczDTKeuNEE=', type: 'FULL_OBJECT' as const } };
      await s.putPart(part);
      const { checksum: _none, ...bare } = part;
      await s.putPart({ ...bare, partNumber: 2, fileId: 'p2' });
      const parts = await s.listParts(upload.uploadId);
      assert.deepEqual(parts[0], part);
      assert.equal(parts[1]?.checksum, undefined);
      const composite = { ...object(b, 'mp', 'whole'), checksum: { algorithm: 'SHA1' as const, value: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=-2', type: 'COMPOSITE' as const } };
      await s.completeUpload(upload.uploadId, composite);
      assert.deepEqual((await s.getObject(b, 'mp'))?.checksum, composite.checksum);
    });

    it('object files: written bytes and digests, ranged reads, limit refused leaving nothing, cleanup of unreferenced files', async () => {
      const f = files();
      const w = await f.write(Readable.from([Buffer.from('hello '), Buffer.from('world')]), 100);
      assert.equal(w.size, 11);
      assert.match(w.fileId, /^[0-9a-f]{32}$/);
      assert.equal(await text(f.read(w.fileId)), 'hello world');
      assert.equal(await text(f.read(w.fileId, 6, 10)), 'world');
      assert.equal(w.sha256.toString('hex'), createHash('sha256').update('hello world').digest('hex'));
      const noSha = await f.write(Readable.from([Buffer.from('hello world')]), 100, { sha256: false });
      assert.equal(noSha.sha256.length, 0, 'not computed when not asked for');
      assert.equal(noSha.md5.toString('hex'), createHash('md5').update('hello world').digest('hex'));
      await f.remove([noSha.fileId]);
      await assert.rejects(f.write(Readable.from([Buffer.alloc(50), Buffer.alloc(60)]), 100));
      const c = await f.concat([w.fileId, w.fileId]);
      assert.equal(await text(f.read(c.fileId)), 'hello worldhello world');
      // Files younger than the threshold (another process may be about to commit them) stay.
      assert.equal(await f.cleanup(new Set([w.fileId]), Date.now() - 3_600_000), 0);
      assert.equal(await f.cleanup(new Set([w.fileId])), 1);
      assert.equal(await text(f.read(w.fileId)), 'hello world');
      await f.remove([w.fileId]);
      assert.throws(() => f.read(w.fileId), { code: 'ENOENT' });
      assert.throws(() => f.read('../locksmith.db'));
    });
  });
}
