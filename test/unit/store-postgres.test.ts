import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localObjectFiles } from '../../src/store/object-files.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { auditStoreContract } from '../contract/audit-store-contract.js';
import { iamStoreContract } from '../contract/iam-contract.js';
import { s3StoreContract } from '../contract/s3-store-contract.js';
import { storeContract } from '../contract/store-contract.js';
import { withReadCache } from '../../src/store/read-cache.js';
import { REGION, createKey, newAccount, refOf } from '../contract/fixtures.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';

// The same contract suites as the SQLite adapter (store-sqlite*.test.ts), against a real,
// throwaway PostgreSQL cluster. No skips: every section applies to this adapter.
// Tests use fresh random account ids and bucket names, so one database serves the whole file;
// each test opens its own store (pool) on it, as a node starting would (the migrations find
// nothing left to do after the first).
let cluster: PostgresCluster;
let url = '';
const dir = mkdtempSync(join(tmpdir(), 'locksmith-pg-objects-'));
let shared: PostgresStore | undefined;
before(async () => {
  cluster = await startPostgres();
  url = await cluster.createDatabase();
  shared = await openPostgresStore(url);
});
after(async () => {
  await shared?.close();
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

storeContract('postgres', () => openPostgresStore(url));
iamStoreContract('postgres', () => openPostgresStore(url));
let n = 0;
s3StoreContract('postgres', () => shared!.s3, () => localObjectFiles(join(dir, `objects-${n++}`)));
auditStoreContract('postgres', () => openPostgresStore(url));

describe('postgres store: change counter across nodes', () => {
  it('moves on every committed write by another node, and a node caching reads sees that write on its next request', async () => {
    const [a, b] = [await openPostgresStore(url), await openPostgresStore(url)];
    const cached = withReadCache(a, () => {}, { otherWriters: true });
    try {
      const key = await createKey(b, newAccount(), REGION);
      await cached.revalidate!();
      assert.equal((await cached.keys.get(refOf(key)))?.description, key.description);
      const before = await a.changeCount();
      assert.equal(await a.changeCount(), before, 'reads do not move it');
      await b.keys.update({ ...key, description: 'changed on b' });
      assert.notEqual(await a.changeCount(), before);
      await cached.revalidate!();
      assert.equal((await cached.keys.get(refOf(key)))?.description, 'changed on b');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
