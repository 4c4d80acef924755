import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { secureRandom } from '../../src/crypto/random.js';
import { BucketKeyCache, DEFAULT_BUCKET_KEY_TTL_MS, type BucketKey } from '../../src/services/s3/sse/bucket-key-cache.js';
import { deriveObjectDataKey, newObjectDataKey, usesBucketKey } from '../../src/services/s3/sse/bucket-key-derivation.js';
import { ManualClock } from '../../src/util/clock.js';

const ARN_A = 'arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const ARN_B = 'arn:aws:kms:us-east-1:111122223333:key/bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const slot = (principalArn: string, keyId = ARN_A) => ({ principalArn, keyId, bucketArn: 'arn:aws:s3:::b1' });

function kms(keyArn = ARN_A) {
  let calls = 0;
  const handed: Buffer[] = [];
  return {
    get calls() {
      return calls;
    },
    handed,
    generate: async (): Promise<BucketKey> => {
      calls++;
      const plaintext = secureRandom.bytes(32);
      handed.push(plaintext);
      return { plaintext, ciphertextBlob: Buffer.from(`blob-${calls}`), keyArn };
    },
  };
}

describe('BucketKeyCache', () => {
  it('reuses one bucket key per principal and key within the TTL, then asks again', async () => {
    const clock = new ManualClock(0);
    const cache = new BucketKeyCache({ clock, ttlMs: 1000 });
    const k = kms();
    const first = await cache.forWrite(slot('alice'), k.generate);
    for (let i = 0; i < 100; i++) assert.deepEqual((await cache.forWrite(slot('alice'), k.generate)).plaintext, first.plaintext);
    assert.equal(k.calls, 1);
    await cache.forWrite(slot('bob'), k.generate);
    await cache.forWrite(slot('alice', ARN_B), k.generate);
    assert.equal(k.calls, 3, 'another principal or another KMS key is another bucket key');
    clock.advance(999);
    await cache.forWrite(slot('alice'), k.generate);
    assert.equal(k.calls, 3);
    clock.advance(1);
    const again = await cache.forWrite(slot('alice'), k.generate);
    assert.equal(k.calls, 4, 'expired');
    assert.notDeepEqual(again.plaintext, first.plaintext);
  });

  it('concurrent misses cost one KMS call', async () => {
    const cache = new BucketKeyCache({ clock: new ManualClock(0) });
    const k = kms();
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.forWrite(slot('alice'), k.generate)));
    assert.equal(k.calls, 1);
    for (const v of all) assert.deepEqual(v.plaintext, all[0]!.plaintext);
    all[0]!.plaintext.fill(0); // callers own copies: wiping one leaves the others
    assert.notDeepEqual(all[1]!.plaintext, Buffer.alloc(32));
  });

  it('wipes the plaintext KMS handed over, and its own copy when cleared', async () => {
    const cache = new BucketKeyCache({ clock: new ManualClock(0) });
    const k = kms();
    const got = await cache.forWrite(slot('alice'), k.generate);
    assert.deepEqual(k.handed[0], Buffer.alloc(32), 'the fetched plaintext is wiped once copied');
    assert.notDeepEqual(got.plaintext, Buffer.alloc(32));
    const internal = (cache as unknown as { entries: Map<string, { value: BucketKey }> }).entries;
    const kept = [...internal.values()][0]!.value.plaintext;
    cache.clear();
    assert.equal(cache.size, 0);
    assert.deepEqual(kept, Buffer.alloc(32), 'zeroed on clear');
    await cache.forWrite(slot('alice'), k.generate);
    assert.equal(k.calls, 2);
  });

  it('dropKey drops only that KMS key', async () => {
    const cache = new BucketKeyCache({ clock: new ManualClock(0) });
    const a = kms(ARN_A);
    const b = kms(ARN_B);
    await cache.forWrite(slot('alice', ARN_A), a.generate);
    await cache.forWrite(slot('alice', ARN_B), b.generate);
    cache.dropKey(ARN_A);
    await cache.forWrite(slot('alice', ARN_A), a.generate);
    await cache.forWrite(slot('alice', ARN_B), b.generate);
    assert.equal(a.calls, 2);
    assert.equal(b.calls, 1);
  });

  it('a fetch that overlapped a clear is not kept', async () => {
    const cache = new BucketKeyCache({ clock: new ManualClock(0) });
    const k = kms();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = cache.forWrite(slot('alice'), async () => {
      await gate;
      return k.generate();
    });
    cache.clear(); // e.g. DisableKey committed while GenerateDataKey was in flight
    release();
    await slow;
    await cache.forWrite(slot('alice'), k.generate);
    assert.equal(k.calls, 2);
  });

  it('a failed fetch is not cached', async () => {
    const cache = new BucketKeyCache({ clock: new ManualClock(0) });
    await assert.rejects(cache.forWrite(slot('alice'), async () => {
      throw new Error('KMS.DisabledException');
    }), /Disabled/);
    const k = kms();
    await cache.forWrite(slot('alice'), k.generate);
    assert.equal(k.calls, 1);
  });

  it('suspect(): an entry is used again only while its key\'s stamp is unchanged (cluster change signal)', async () => {
    let state = 'enabled';
    const stamps: string[] = [];
    const cache = new BucketKeyCache({ clock: new ManualClock(0), stamp: async (ref) => (stamps.push(ref.key), `${ref.key}:${state}`) });
    const k = kms();
    const s = { ...slot('alice'), ref: { account: '111122223333', region: 'us-east-1', key: ARN_A } };
    await cache.forWrite(s, k.generate);
    assert.deepEqual(stamps, [ARN_A], 'stamped before KMS is asked');
    cache.suspect(); // e.g. another worker wrote an S3 object: nothing about the key changed
    await cache.forWrite(s, k.generate);
    await cache.forWrite(s, k.generate);
    assert.equal(k.calls, 1, 'kept: same stamp');
    assert.equal(stamps.length, 2, 'checked once after the signal, not on every use');
    state = 'disabled';
    await cache.forWrite(s, k.generate);
    assert.equal(k.calls, 1, 'no signal yet: nothing is checked');
    cache.suspect();
    await cache.forWrite(s, k.generate);
    assert.equal(k.calls, 2, 'the key changed: the bucket key was dropped and KMS asked again');
  });

  it('suspect(): a change committed while KMS was being asked still ends the entry', async () => {
    let state = 'enabled';
    const cache = new BucketKeyCache({ clock: new ManualClock(0), stamp: async () => state });
    const k = kms();
    await cache.forWrite({ ...slot('alice'), ref: { account: 'a', region: 'r', key: ARN_A } }, async () => {
      const v = await k.generate();
      state = 'disabled'; // DisableKey committed by another worker right after GenerateDataKey read the key
      return v;
    });
    cache.suspect();
    await cache.forWrite({ ...slot('alice'), ref: { account: 'a', region: 'r', key: ARN_A } }, k.generate);
    assert.equal(k.calls, 2);
  });

  it('suspect() during a fetch or a stamp check (a shared PostgreSQL signals every S3 write): kept, but checked again before the next use', async () => {
    let state = 'enabled';
    let checks = 0;
    const cache = new BucketKeyCache({ clock: new ManualClock(0), stamp: async () => (checks++, state) });
    const k = kms();
    const s = { ...slot('alice'), ref: { account: 'a', region: 'r', key: ARN_A } };
    await cache.forWrite(s, async () => {
      cache.suspect(); // another S3 PUT committed while GenerateDataKey was in flight
      return k.generate();
    });
    await cache.forWrite(s, k.generate);
    assert.equal(k.calls, 1, 'kept: the stamp taken before KMS was asked is unchanged');
    assert.equal(checks, 2, 'checked before the next use');
    const noisy = new BucketKeyCache({ clock: new ManualClock(0), stamp: async () => (noisy.suspect(), state) });
    await noisy.forWrite(s, k.generate);
    await noisy.forWrite(s, k.generate);
    await noisy.forWrite(s, k.generate);
    assert.equal(k.calls, 2, 'a signal during every check still keeps an unchanged key');
    state = 'disabled';
    await noisy.forWrite(s, k.generate);
    assert.equal(k.calls, 3, 'a changed stamp ends it');
  });

  it('suspect() without a stamp drops everything; an unvouched key is not cached', async () => {
    const plain = new BucketKeyCache({ clock: new ManualClock(0) });
    const k = kms();
    await plain.forWrite(slot('alice'), k.generate);
    plain.suspect();
    assert.equal(plain.size, 0);
    const unvouched = new BucketKeyCache({ clock: new ManualClock(0), stamp: async () => undefined });
    await unvouched.forWrite(slot('alice'), k.generate);
    await unvouched.forWrite(slot('alice'), k.generate);
    assert.equal(k.calls, 3);
  });

  it('read side: one Decrypt per principal and stored bucket key', async () => {
    const cache = new BucketKeyCache({ clock: new ManualClock(0) });
    let decrypts = 0;
    const decrypt = async () => {
      decrypts++;
      return { plaintext: Buffer.alloc(32, 9), keyArn: ARN_A };
    };
    const blob = Buffer.from('blob-1');
    for (let i = 0; i < 10; i++) await cache.forRead({ principalArn: 'alice', ciphertextBlob: blob, bucketArn: 'arn:aws:s3:::b1' }, decrypt);
    await cache.forRead({ principalArn: 'bob', ciphertextBlob: blob, bucketArn: 'arn:aws:s3:::b1' }, decrypt);
    await cache.forRead({ principalArn: 'alice', ciphertextBlob: Buffer.from('blob-2'), bucketArn: 'arn:aws:s3:::b1' }, decrypt);
    assert.equal(decrypts, 3);
  });

  it('bounded: the oldest entries go first, and a TTL of 0 caches nothing', async () => {
    const cache = new BucketKeyCache({ clock: new ManualClock(0), maxEntries: 3 });
    const k = kms();
    for (const p of ['p1', 'p2', 'p3', 'p4']) await cache.forWrite(slot(p), k.generate);
    assert.equal(cache.size, 3);
    await cache.forWrite(slot('p4'), k.generate);
    assert.equal(k.calls, 4);
    await cache.forWrite(slot('p1'), k.generate);
    assert.equal(k.calls, 5, 'p1 was evicted');
    const none = new BucketKeyCache({ clock: new ManualClock(0), ttlMs: 0 });
    await none.forWrite(slot('a'), k.generate);
    await none.forWrite(slot('a'), k.generate);
    assert.equal(k.calls, 7);
    assert.throws(() => new BucketKeyCache({ clock: new ManualClock(0), ttlMs: -1 }));
    assert.ok(DEFAULT_BUCKET_KEY_TTL_MS > 0);
  });
});

describe('object data keys from a bucket key', () => {
  const bucketKey = Buffer.alloc(32, 3);
  it('differ per object and per salt, and re-derive exactly', () => {
    const a = newObjectDataKey(bucketKey, 'arn:aws:s3:::b1/a', secureRandom);
    const b = newObjectDataKey(bucketKey, 'arn:aws:s3:::b1/a', secureRandom);
    assert.notDeepEqual(a.dataKey, b.dataKey);
    assert.deepEqual(deriveObjectDataKey(bucketKey, a.salt, 'arn:aws:s3:::b1/a'), a.dataKey);
    assert.notDeepEqual(deriveObjectDataKey(bucketKey, a.salt, 'arn:aws:s3:::b1/b'), a.dataKey);
    assert.equal(a.dataKey.length, 32);
  });
  it('known answer (HKDF-SHA256, frozen)', () => {
    const k = deriveObjectDataKey(bucketKey, Buffer.alloc(32, 4), 'arn:aws:s3:::b1/a');
    assert.equal(k.toString('hex'), FROZEN);
  });
  it('the header overrides the bucket default; only aws:kms uses a bucket key', () => {
    assert.equal(usesBucketKey('aws:kms', undefined, true), true);
    assert.equal(usesBucketKey('aws:kms', 'false', true), false);
    assert.equal(usesBucketKey('aws:kms', 'true', false), true);
    assert.equal(usesBucketKey('aws:kms:dsse', 'true', true), false);
    assert.equal(usesBucketKey('AES256', undefined, true), false);
  });
});

// Computed once with node:crypto hkdfSync; changing the derivation would orphan stored objects.
const FROZEN = '85bb785af2ce1b5b05536447318786422e8e1ed39003d6a709f3d487ed2150bb';
