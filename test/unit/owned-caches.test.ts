/**
 * Caches are owned, not global (issue 12, item 5): the caches a server holds are instances that
 * wipe plaintext they evict or drop, and the read cache is an explicit table of the store ports'
 * methods in which every write forgets the cached reads.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SigningKeyCache, deriveSigningKey } from '../../src/auth/sigv4-canonical.js';
import { parseAmzDate } from '../../src/auth/sigv4-parse.js';
import { generateDerKeyPair, PrivateKeyCache } from '../../src/crypto/key-pairs.js';
import { createPooledRandom } from '../../src/crypto/random.js';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import { withUnwrapCache } from '../../src/crypto/unwrap-cache.js';
import { READ_CACHE_TABLE, withReadCache } from '../../src/store/read-cache.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/ports.js';

/** A keyring whose unwrap hands out buffers the test keeps, to see them wiped. */
function observedKeyring() {
  const handedOut: Buffer[] = [];
  const inner = RootKeyring.fromBytes(Buffer.alloc(32, 7), createPooledRandom());
  const fake = Object.create(inner) as RootKeyring;
  fake.unwrap = (_blob: Buffer, aad: string) => {
    const b = Buffer.from(`secret for ${aad}`);
    handedOut.push(b);
    return b;
  };
  return { fake, handedOut };
}
const zeroed = (b: Buffer) => b.length > 0 && b.every((x) => x === 0);

describe('unwrap cache', () => {
  it('wipes the plaintext it evicts (oldest first) and everything on forget()', () => {
    const { fake, handedOut } = observedKeyring();
    const keyring = withUnwrapCache(fake, 2);
    const copy = keyring.unwrap(Buffer.from('a'), 'a');
    assert.equal(copy.toString(), 'secret for a');
    assert.notEqual(copy, handedOut[0], 'callers get a copy');
    keyring.unwrap(Buffer.from('b'), 'b');
    assert.equal(handedOut.length, 2);
    keyring.unwrap(Buffer.from('b'), 'b');
    assert.equal(handedOut.length, 2, 'a hit does not unwrap again');
    keyring.unwrap(Buffer.from('c'), 'c');
    assert.ok(zeroed(handedOut[0]!), 'the evicted plaintext is wiped');
    assert.ok(!zeroed(handedOut[1]!) && !zeroed(handedOut[2]!), 'the kept ones are intact');
    assert.equal(copy.toString(), 'secret for a', "the caller's copy is the caller's");
    assert.deepEqual(keyring.cacheSizes(), { unwrapped: 2, privateKeys: 0 });
    keyring.forget();
    assert.ok(handedOut.every(zeroed), 'forget() wipes every cached plaintext');
    assert.deepEqual(keyring.cacheSizes(), { unwrapped: 0, privateKeys: 0 });
  });

  it('keeps parsed private keys per instance and drops them on forget()', async () => {
    const { privateKey } = await generateDerKeyPair({ kind: 'ec', namedCurve: 'prime256v1' });
    const one = withUnwrapCache(observedKeyring().fake);
    const two = withUnwrapCache(observedKeyring().fake);
    assert.equal(one.privateKey(privateKey), one.privateKey(privateKey), 'parsed once');
    assert.equal(one.cacheSizes().privateKeys, 1);
    assert.equal(two.cacheSizes().privateKeys, 0, 'another keyring holds nothing of it');
    assert.notEqual(two.privateKey(privateKey), one.privateKey(privateKey));
    one.forget();
    assert.equal(one.cacheSizes().privateKeys, 0);
  });

  it('a parsed-key cache stays bounded', async () => {
    const cache = new PrivateKeyCache(2);
    for (let i = 0; i < 4; i++) cache.privateKey((await generateDerKeyPair({ kind: 'ec', namedCurve: 'prime256v1' })).privateKey);
    assert.equal(cache.size, 2);
  });
});

describe('signing key cache', () => {
  it('wipes the key it evicts and every key on clear()', () => {
    const cache = new SigningKeyCache(1);
    const a = cache.signingKey('secret-a', '20261205', 'us-east-1', 'kms');
    assert.deepEqual(a, deriveSigningKey('secret-a', '20261205', 'us-east-1', 'kms'));
    const b = cache.signingKey('secret-b', '20261205', 'us-east-1', 'kms');
    assert.ok(zeroed(a), 'the evicted key is wiped');
    assert.ok(!zeroed(b));
    cache.clear();
    assert.ok(zeroed(b));
    assert.equal(cache.size, 0);
  });

  it('two caches share nothing', () => {
    const one = new SigningKeyCache();
    const two = new SigningKeyCache();
    one.signingKey('s', '20261205', 'us-east-1', 'kms');
    assert.equal(one.size, 1);
    assert.equal(two.size, 0);
  });
});

describe('random pool', () => {
  it('is per instance: each draws its own bytes, and close() leaves it usable', () => {
    const one = createPooledRandom();
    const two = createPooledRandom();
    assert.notDeepEqual(one.bytes(32), two.bytes(32));
    one.close();
    assert.equal(one.bytes(16).length, 16);
  });
});

it('parseAmzDate keeps no state between calls', () => {
  assert.equal(parseAmzDate('20261205T010203Z'), Date.UTC(2026, 11, 5, 1, 2, 3));
  assert.equal(parseAmzDate('20261305T010203Z'), undefined);
  assert.equal(parseAmzDate('20261205T010203Z'), Date.UTC(2026, 11, 5, 1, 2, 3));
});

/** A store whose every method answers `undefined` and counts its calls by `store.method`. */
function countingStore(): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const sub = (name: string) =>
    new Proxy({}, { get: (_t, method: string) => async () => void calls.set(`${name}.${method}`, (calls.get(`${name}.${method}`) ?? 0) + 1), ownKeys: () => [] });
  const store = { audit: {}, ping: async () => true, changeCount: async () => 0, close: async () => {} } as unknown as Record<string, unknown>;
  for (const name of Object.keys(READ_CACHE_TABLE)) store[name] = sub(name);
  return { store: store as unknown as Store, calls };
}

describe('read cache table', () => {
  it('lists exactly the methods the SQLite adapter implements', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locksmith-read-table-'));
    const store = openSqliteStore(join(dir, 'locksmith.db'));
    try {
      for (const [name, methods] of Object.entries(READ_CACHE_TABLE)) {
        const adapter = store[name as keyof typeof READ_CACHE_TABLE] as unknown as Record<string, unknown>;
        const implemented = Object.keys(adapter).filter((k) => typeof adapter[k] === 'function').sort();
        assert.deepEqual(Object.keys(methods).sort(), implemented, `${name}: table and adapter differ`);
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every write forgets every cached read; plain reads pass through and forget nothing', async () => {
    const cachedReads = Object.entries(READ_CACHE_TABLE).flatMap(([n, m]) => Object.entries(m).filter(([, a]) => a === 'cached').map(([k]) => [n, k] as const));
    for (const [name, methods] of Object.entries(READ_CACHE_TABLE)) {
      for (const [method, access] of Object.entries(methods)) {
        const { store: inner, calls } = countingStore();
        const store = withReadCache(inner);
        const call = (n: string, m: string) => (store as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[n]![m]!('arg');
        for (const [n, m] of cachedReads) await call(n, m);
        for (const [n, m] of cachedReads) await call(n, m);
        for (const [n, m] of cachedReads) assert.equal(calls.get(`${n}.${m}`), 1, `${n}.${m} is answered from memory`);
        assert.equal(store.cachedReads!(), cachedReads.length);
        await call(name, method);
        if (access === 'cached') continue;
        assert.equal(calls.get(`${name}.${method}`), 1, `${name}.${method} reaches the store`);
        for (const [n, m] of cachedReads) await call(n, m);
        for (const [n, m] of cachedReads) {
          assert.equal(calls.get(`${n}.${m}`), access === 'write' ? 2 : 1, `after ${name}.${method} (${access}), ${n}.${m} is ${access === 'write' ? 'read again' : 'still cached'}`);
        }
      }
    }
  });

  it('closing the store forgets its cached reads', async () => {
    const { store: inner } = countingStore();
    let forgotten = 0;
    const store = withReadCache(inner, () => forgotten++);
    await store.keys.get({ account: 'a', region: 'r', keyId: 'k' });
    assert.equal(store.cachedReads!(), 1);
    await store.close();
    assert.equal(store.cachedReads!(), 0);
    assert.equal(forgotten, 1, 'the holder of derived caches (unwrapped secrets) forgets too');
  });
});
