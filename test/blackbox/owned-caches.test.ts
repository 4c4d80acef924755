/**
 * Two servers in one process share no cache (issue 12, item 5): signing keys, unwrapped secrets,
 * parsed private keys, store reads and the random pool are each server's own, made by its
 * composition root and emptied when it closes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, EncryptCommand, SignCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Harness, s3Client } from './harness.js';
import { testStore } from '../lib/test-store.js';

describe('caches owned by each server', () => {
  let a: Harness;
  let b: Harness;
  before(async () => {
    [a, b] = await Promise.all([Harness.start(), Harness.start()]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("one server's calls fill its caches only, and closing it empties them", async () => {
    const idle = b.server.cacheSizes();
    const symmetric = await a.kms.send(new CreateKeyCommand({}));
    const p256 = await a.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }));
    // On PostgreSQL the change feed empties a node's caches a few milliseconds after any write, its
    // own included: there the calls are repeated until their caches were not emptied meanwhile.
    let used = a.server.cacheSizes();
    for (let attempt = 0; attempt < (testStore() === 'postgres' ? 20 : 1); attempt++) {
      await a.kms.send(new EncryptCommand({ KeyId: symmetric.KeyMetadata!.KeyId!, Plaintext: Buffer.from('x') }));
      await a.kms.send(new SignCommand({ KeyId: p256.KeyMetadata!.KeyId!, Message: Buffer.alloc(32, 1), SigningAlgorithm: 'ECDSA_SHA_256' }));
      used = a.server.cacheSizes();
      if (used.unwrapped > 0 && used.privateKeys > 0 && used.storeReads > 0) break;
    }
    assert.ok(used.signingKeys > 0, 'a derived signing key is held');
    assert.ok(used.unwrapped > 0, 'unwrapped secrets are held');
    assert.ok(used.privateKeys > 0, 'the P-256 key is held parsed');
    assert.ok(used.storeReads > 0, 'store reads are held');
    assert.deepEqual(b.server.cacheSizes(), idle, "the other server's caches did not change");
    assert.equal(idle.signingKeys, 0);
    assert.equal(idle.privateKeys, 0);

    await b.kms.send(new EncryptCommand({ KeyId: (await b.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!, Plaintext: Buffer.from('y') }));
    assert.equal(b.server.cacheSizes().privateKeys, 0, "B's calls use none of A's parsed keys");
    assert.ok(b.server.cacheSizes().signingKeys > 0);

    await a.server.close();
    assert.deepEqual(a.server.cacheSizes(), { signingKeys: 0, unwrapped: 0, privateKeys: 0, storeReads: 0, bucketKeys: 0 }, 'closing a server empties its caches');
    assert.ok(b.server.cacheSizes().signingKeys > 0, "and leaves the other server's alone");
    // Harness.stop closes again: a second close must be harmless.
  });

  it('S3 writes leave the caches alone: no node caches S3 metadata', async () => {
    const s3 = s3Client(b);
    await s3.send(new CreateBucketCommand({ Bucket: 'cache-neutral' }));
    const key = (await b.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const settle = () => new Promise((r) => setTimeout(r, 150)); // a change notice arrives within ms, the counter poll every 20 ms
    // On PostgreSQL the change feed empties a node's caches shortly after a write of cached state (CreateKey).
    let filled = b.server.cacheSizes();
    for (let attempt = 0; attempt < 20; attempt++) {
      await b.kms.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));
      await settle();
      filled = b.server.cacheSizes();
      if (filled.unwrapped > 0 && filled.storeReads > 0) break;
    }
    assert.ok(filled.unwrapped > 0 && filled.storeReads > 0, 'the Encrypt left its reads and its unwrapped key cached');
    for (let i = 0; i < 3; i++) await s3.send(new PutObjectCommand({ Bucket: 'cache-neutral', Key: `o${i}`, Body: 'bytes' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'cache-neutral', Key: 'o0' }));
    await settle();
    const after = b.server.cacheSizes();
    assert.ok(after.unwrapped >= filled.unwrapped, `unwrapped secrets kept (${filled.unwrapped} → ${after.unwrapped})`);
    assert.ok(after.storeReads >= filled.storeReads, `store reads kept (${filled.storeReads} → ${after.storeReads})`);
  });
});
