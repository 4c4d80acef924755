/**
 * The server's store stack — read cache over the audit writer over SQLite — must behave exactly
 * like the plain store: the whole store contract runs against it. Then what only the cache can
 * get wrong: a write through any sub-store forgets every cached read at once, cached values
 * cannot be changed by a caller, and derived secrets (unwrapped material) are forgotten too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { withReadCache } from '../../src/store/read-cache.js';
import { withAuditWriter } from '../../src/store/sqlite/audit-writer.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/ports.js';
import { storeContract } from '../contract/store-contract.js';
import { createKey, newAccount, refOf } from '../contract/fixtures.js';

async function openStack(dir: string, onInvalidate?: () => void): Promise<Store> {
  const path = join(dir, 'data', 'locksmith.db');
  return withReadCache(await withAuditWriter(openSqliteStore(path), path), onInvalidate);
}

let contractDir: string | undefined;
storeContract(
  'sqlite behind the read cache and the audit writer',
  () => {
    contractDir = mkdtempSync(join(tmpdir(), 'locksmith-cached-contract-'));
    return openStack(contractDir);
  },
  () => {
    if (contractDir) rmSync(contractDir, { recursive: true, force: true });
    contractDir = undefined;
  },
);

describe('read cache', () => {
  let dir: string;
  let store: Store;
  let forgotten: number;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-read-cache-'));
    forgotten = 0;
    store = await openStack(dir, () => forgotten++);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers repeated reads from memory and forgets them on any write, before the write resolves', async () => {
    const key = await createKey(store, newAccount());
    const first = await store.keys.get(refOf(key));
    assert.equal(await store.keys.get(refOf(key)), first, 'the second read is the cached object');
    const before = forgotten;
    await store.keys.update({ ...key, lifecycle: { state: 'Disabled' } });
    assert.ok(forgotten > before, 'the write told the holder of derived caches');
    assert.deepEqual((await store.keys.get(refOf(key)))?.lifecycle, { state: 'Disabled' });
    // A write to another sub-store (a tag) forgets the cached key too.
    const cached = await store.keys.get(refOf(key));
    await store.tags.put(refOf(key), { a: 'b' }, 50);
    assert.notEqual(await store.keys.get(refOf(key)), cached);
  });

  it('hands out frozen values: a caller cannot change what the next request reads', async () => {
    const key = await createKey(store, newAccount());
    const got = (await store.keys.get(refOf(key)))!;
    assert.throws(() => {
      (got as { description: string }).description = 'changed';
    }, TypeError);
    assert.throws(() => {
      (got.lifecycle as { state: string }).state = 'Disabled';
    }, TypeError);
    assert.equal((await store.keys.get(refOf(key)))!.description, key.description);
  });

  it('does not cache misses past a write that creates the item', async () => {
    const account = newAccount();
    const ref = { account, region: 'us-east-1', keyId: '11111111-2222-3333-4444-555555555555' };
    assert.equal(await store.keys.get(ref), undefined);
    const key = await createKey(store, account, 'us-east-1', { keyId: ref.keyId });
    assert.deepEqual(await store.keys.get(ref), key);
  });
});
