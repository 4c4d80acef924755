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

async function openStack(dir: string, onInvalidate?: () => void, otherWriters = false): Promise<Store> {
  const path = join(dir, 'data', 'locksmith.db');
  return withReadCache(await withAuditWriter(openSqliteStore(path), path), onInvalidate, { otherWriters });
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

  it('counts an entry once when two overlapping misses of one key both store their answer', async () => {
    const key = await createKey(store, newAccount());
    const other = await createKey(store, newAccount());
    assert.equal(store.cachedReads!(), 0);
    await Promise.all([store.keys.get(refOf(key)), store.keys.get(refOf(key)), store.keys.get(refOf(key))]);
    assert.equal(store.cachedReads!(), 1, 'three overlapping misses of one key: one entry');
    await store.keys.get(refOf(other));
    await store.keys.get(refOf(key));
    assert.equal(store.cachedReads!(), 2);
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

/**
 * Cluster workers share one data directory, each with its own connection and cache: a write by
 * one must reach the others' next request. The change counter (triggers in the same transaction)
 * and `revalidate` carry it.
 */
describe('read cache shared by processes (serve --workers)', () => {
  let dir: string;
  let a: Store;
  let b: Store;
  let forgottenByA: number;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-read-cache-shared-'));
    forgottenByA = 0;
    a = await openStack(dir, () => forgottenByA++, true);
    b = await openStack(dir, undefined, true);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a store told it is the only writer has no revalidate (no read per request)', async () => {
    const aloneDir = mkdtempSync(join(tmpdir(), 'locksmith-read-cache-alone-'));
    const alone = await openStack(aloneDir);
    assert.equal(alone.revalidate, undefined);
    await alone.close();
    rmSync(aloneDir, { recursive: true, force: true });
  });

  it("sees another connection's committed write after revalidate, and keeps its cache while nothing changed", async () => {
    const key = await createKey(b, newAccount());
    await a.revalidate!();
    const cached = await a.keys.get(refOf(key));
    await a.revalidate!();
    assert.equal(await a.keys.get(refOf(key)), cached, 'no change anywhere: the cache stays');
    await b.keys.update({ ...key, lifecycle: { state: 'Disabled' } });
    assert.equal(await a.keys.get(refOf(key)), cached, 'before revalidate, a still answers from its cache (the cache is real)');
    const before = forgottenByA;
    await a.revalidate!();
    assert.ok(forgottenByA > before, 'derived caches (unwrapped secrets) are forgotten too');
    assert.deepEqual((await a.keys.get(refOf(key)))?.lifecycle, { state: 'Disabled' });
  });

  it('notices writes to other cached kinds of state: aliases and tags', async () => {
    const account = newAccount();
    const key = await createKey(b, account);
    const ref = refOf(key);
    const reads = async () => [await a.aliases.get(ref.account, ref.region, 'alias/shared'), await a.tags.get(ref)];
    await a.revalidate!();
    const before = await reads();
    await b.aliases.create({ account: ref.account, region: ref.region, aliasName: 'alias/shared', targetKeyId: ref.keyId, creationDate: new Date(), lastUpdatedDate: new Date() });
    await b.tags.put(ref, { team: 'a' }, 50);
    await a.revalidate!();
    const after = await reads();
    assert.notDeepEqual(after, before);
    assert.equal((after[0] as { targetKeyId: string } | undefined)?.targetKeyId, ref.keyId);
  });

  it('every table of state (all but the audit trail) bumps the change counter on insert, update and delete', async () => {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dir, 'data', 'locksmith.db'), { readonly: true });
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
      const triggers = db.prepare("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'").all() as { tbl_name: string; sql: string }[];
      const state = tables.filter((t) => !t.startsWith('audit_') && t !== 'store_changes');
      assert.ok(state.includes('kms_keys') && state.includes('kms_grants') && state.includes('sts_sessions'));
      for (const table of state) {
        for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
          assert.ok(
            triggers.some((t) => t.tbl_name === table && t.sql.includes(`AFTER ${event} ON ${table}`) && t.sql.includes('UPDATE store_changes SET n = n + 1')),
            `${table} has no AFTER ${event} trigger bumping store_changes`,
          );
        }
      }
    } finally {
      db.close();
    }
  });
});
