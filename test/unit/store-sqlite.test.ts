import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { storeContract } from '../contract/store-contract.js';
import { REGION, createKey, makeAccessKey, makeAlias, makeMaterial, newAccount, refOf, at } from '../contract/fixtures.js';

// The contract, on a real file in a fresh directory per test.
let contractDir: string | undefined;
storeContract(
  'sqlite (file)',
  () => {
    contractDir = mkdtempSync(join(tmpdir(), 'locksmith-store-contract-'));
    return openSqliteStore(join(contractDir, 'data', 'locksmith.db'));
  },
  () => {
    if (contractDir) rmSync(contractDir, { recursive: true, force: true });
    contractDir = undefined;
  },
);

describe('sqlite store: durability', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-store-durability-'));
    path = join(dir, 'nested', 'locksmith.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps everything written through one store after close and reopen', async () => {
    const account = newAccount();
    const first = openSqliteStore(path);
    const key = await createKey(first, account, REGION, { lifecycle: { state: 'PendingDeletion', deletionDate: at(99), pendingWindowInDays: 7 } }, { Team: 'x' });
    const alias = makeAlias(account, 'alias/durable', key.keyId);
    await first.aliases.create(alias);
    await first.credentials.ensureAccount(account, at(0));
    const accessKey = makeAccessKey(account);
    await first.credentials.putAccessKey(accessKey);
    await first.close();

    const second = openSqliteStore(path);
    try {
      assert.deepEqual(await second.keys.get(refOf(key)), key);
      assert.deepEqual(await second.keys.getMaterial(refOf(key), key.currentKeyMaterialId!), makeMaterial(key));
      assert.deepEqual(await second.tags.get(refOf(key)), { Team: 'x' });
      assert.deepEqual(await second.aliases.get(account, REGION, 'alias/durable'), alias);
      assert.deepEqual(await second.credentials.getAccessKey(accessKey.accessKeyId), accessKey);
      assert.deepEqual(await second.credentials.listAccounts(), [account]);
      assert.deepEqual(await second.keys.dueForDeletion(at(99)), [refOf(key)]);
      // Reopening must not re-run migrations or lose the paging sequence.
      const later = await createKey(second, account);
      assert.deepEqual((await second.keys.list(account, REGION, 10)).items.map((k) => k.keyId), [key.keyId, later.keyId]);
    } finally {
      await second.close();
    }
  });

  it('uses WAL journal mode, as recorded in the file itself', async () => {
    const store = openSqliteStore(path);
    await createKey(store, newAccount());
    await store.close();
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  it('keeps an acknowledged write when the process is killed without closing the store', async () => {
    const account = newAccount();
    const storeModule = pathToFileURL(join(import.meta.dirname, '../../src/store/sqlite/sqlite-store.ts')).href;
    const fixturesModule = pathToFileURL(join(import.meta.dirname, '../contract/fixtures.ts')).href;
    const script = `
      const { openSqliteStore } = await import(${JSON.stringify(storeModule)});
      const { createKey } = await import(${JSON.stringify(fixturesModule)});
      const store = openSqliteStore(${JSON.stringify(path)});
      const key = await createKey(store, ${JSON.stringify(account)}, 'us-east-1', { keyId: 'crash-survivor' }, { t: 'v' });
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.signal, 'SIGKILL', `child did not reach the kill: ${child.stderr}`);

    const store = openSqliteStore(path);
    try {
      const ref = { account, region: REGION, keyId: 'crash-survivor' };
      assert.equal((await store.keys.get(ref))?.keyId, 'crash-survivor');
      assert.deepEqual(await store.tags.get(ref), { t: 'v' });
    } finally {
      await store.close();
    }
  });
});
