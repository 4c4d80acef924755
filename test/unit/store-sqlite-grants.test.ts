import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GrantStore } from '../../src/store/grant-ports.js';
import { migrate } from '../../src/store/sqlite/schema.js';
import { sqliteGrantStore } from '../../src/store/sqlite/sqlite-grants.js';
import { sqliteKeyStore } from '../../src/store/sqlite/sqlite-keys.js';
import { createKey, makeMaterial, makeKey, newAccount, refOf } from '../contract/fixtures.js';
import { grantStoreContract, keyRef, makeGrant } from '../contract/grant-contract.js';

/** A database file set up as openSqliteStore sets it up (WAL, foreign keys, migrations). */
function openDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

describe('sqlite grant store', () => {
  let dir: string;
  let db: Database.Database | undefined;
  let store: GrantStore | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-grants-'));
    db = openDb(join(dir, 'locksmith.db'));
    store = sqliteGrantStore(db);
  });
  afterEach(() => {
    db?.close();
    db = store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  grantStoreContract(() => store!);

  it('keeps grants and tokens after close and reopen', async () => {
    const ref = keyRef();
    const g = makeGrant(ref, { name: 'durable', constraints: { EncryptionContextSubset: { a: 'b' } } });
    await store!.create(g, 10);
    db!.close();
    db = openDb(join(dir, 'locksmith.db'));
    store = sqliteGrantStore(db);
    assert.deepEqual(await store.get(ref, g.grantId), g);
    assert.deepEqual(await store.getByToken(g.grantTokenSha256), g);
  });

  it('stores grant tokens only as the hashes it is given', async () => {
    const ref = keyRef();
    const g = makeGrant(ref);
    await store!.create(g, 10);
    const rows = db!.prepare('SELECT token_sha256 FROM kms_grant_tokens').all() as { token_sha256: string }[];
    assert.deepEqual(rows.map((r) => r.token_sha256), [g.grantTokenSha256]);
  });

  it('destroying a key deletes its grants and their tokens', async () => {
    const keys = sqliteKeyStore(db!);
    const account = newAccount();
    const key = await createKey({ keys } as never, account);
    const other = makeKey(account);
    await keys.create(other, [makeMaterial(other)], {});
    const g = makeGrant(refOf(key));
    const kept = makeGrant(refOf(other));
    await store!.create(g, 10);
    await store!.create(kept, 10);
    assert.equal(await keys.destroy(refOf(key)), true);
    assert.equal(await store!.get(refOf(key), g.grantId), undefined);
    assert.equal(await store!.getByToken(g.grantTokenSha256), undefined);
    const tokens = db!.prepare('SELECT COUNT(*) AS n FROM kms_grant_tokens WHERE key_id = ?').get(key.keyId) as { n: number };
    assert.equal(tokens.n, 0);
    assert.deepEqual(await store!.get(refOf(other), kept.grantId), kept);
  });
});
