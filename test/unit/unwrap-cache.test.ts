import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import { secureRandom } from '../../src/crypto/random.js';
import { withUnwrapCache } from '../../src/crypto/unwrap-cache.js';

describe('unwrap cache', () => {
  const keyring = RootKeyring.fromBytes(randomBytes(32), secureRandom);

  it('answers a repeated blob with a fresh copy of its plaintext', () => {
    const caching = withUnwrapCache(keyring);
    const blob = keyring.wrap(Buffer.from('secret one'), 'aad:1');
    const first = caching.unwrap(blob, 'aad:1');
    first.fill(0); // callers wipe their copy
    assert.equal(caching.unwrap(blob, 'aad:1').toString(), 'secret one');
    assert.equal(caching.unwrap(Buffer.from(blob), 'aad:1').toString(), 'secret one');
  });

  it('does not take a blob changed in place, or another AAD, for the one it unwrapped', () => {
    const caching = withUnwrapCache(keyring);
    const blob = keyring.wrap(Buffer.from('secret one'), 'aad:1');
    assert.equal(caching.unwrap(blob, 'aad:1').toString(), 'secret one');
    assert.throws(() => caching.unwrap(blob, 'aad:2'));
    keyring.wrap(Buffer.from('secret two'), 'aad:1').copy(blob);
    assert.equal(caching.unwrap(blob, 'aad:1').toString(), 'secret two');
    blob[blob.length - 1]! ^= 1;
    assert.throws(() => caching.unwrap(blob, 'aad:1'));
  });

  it('never hands out an evicted (wiped) plaintext for a blob it has seen before', () => {
    const caching = withUnwrapCache(keyring, 2);
    const blobs = ['one', 'two', 'three'].map((s) => keyring.wrap(Buffer.from(`secret ${s}`), 'aad:1'));
    for (const blob of blobs) caching.unwrap(blob, 'aad:1'); // the first is evicted and wiped
    assert.equal(caching.cacheSizes().unwrapped, 2);
    assert.equal(caching.unwrap(blobs[0]!, 'aad:1').toString(), 'secret one');
  });

  it('forget() wipes what it held and unwraps again afterwards', () => {
    const caching = withUnwrapCache(keyring);
    const blob = keyring.wrap(Buffer.from('secret one'), 'aad:1');
    caching.unwrap(blob, 'aad:1');
    caching.forget();
    assert.equal(caching.unwrap(blob, 'aad:1').toString(), 'secret one');
  });
});
