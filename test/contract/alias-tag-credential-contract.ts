/** AliasStore, TagStore, CredentialStore and ping contract: every adapter must pass these unchanged. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/ports.js';
import {
  OTHER_REGION, REGION, allPages, at, byCodeUnit, createKey, makeAccessKey, makeAlias, newAccount, refOf,
} from './fixtures.js';

const KEY_A = '11111111-1111-4111-8111-111111111111';
const KEY_B = '22222222-2222-4222-8222-222222222222';

export function aliasStoreContract(store: () => Store): void {
  describe('aliases', () => {
    it('creates and gets an alias exactly', async () => {
      const account = newAccount();
      const alias = { ...makeAlias(account, 'alias/app', KEY_A), creationDate: at(1), lastUpdatedDate: at(2) };
      assert.equal(await store().aliases.create(alias), true);
      assert.deepEqual(await store().aliases.get(account, REGION, 'alias/app'), alias);
    });

    it('refuses a duplicate name in the same account and region, keeping the original', async () => {
      const account = newAccount();
      const original = makeAlias(account, 'alias/dup', KEY_A);
      assert.equal(await store().aliases.create(original), true);
      assert.equal(await store().aliases.create({ ...makeAlias(account, 'alias/dup', KEY_B), creationDate: at(9) }), false);
      assert.deepEqual(await store().aliases.get(account, REGION, 'alias/dup'), original);
      // The same name is free in another region or account.
      assert.equal(await store().aliases.create(makeAlias(account, 'alias/dup', KEY_B, OTHER_REGION)), true);
      const other = newAccount();
      assert.equal(await store().aliases.create(makeAlias(other, 'alias/dup', KEY_B)), true);
      assert.equal((await store().aliases.get(account, OTHER_REGION, 'alias/dup'))?.targetKeyId, KEY_B);
      assert.equal((await store().aliases.get(other, REGION, 'alias/dup'))?.targetKeyId, KEY_B);
      assert.equal((await store().aliases.get(account, REGION, 'alias/dup'))?.targetKeyId, KEY_A);
    });

    it('returns undefined for an unknown alias, or one in another account or region', async () => {
      const account = newAccount();
      await store().aliases.create(makeAlias(account, 'alias/here', KEY_A));
      assert.equal(await store().aliases.get(account, REGION, 'alias/nothere'), undefined);
      assert.equal(await store().aliases.get(account, OTHER_REGION, 'alias/here'), undefined);
      assert.equal(await store().aliases.get(newAccount(), REGION, 'alias/here'), undefined);
    });

    // Names chosen so that binary (code point) order differs from case-insensitive or locale collation.
    const NAMES = ['alias/b', 'alias/B', 'alias/_x', 'alias/-y', 'alias/a', 'alias/A/1', 'alias/aws/kms'];

    it('lists sorted by name (binary order), scoped to the account and region', async () => {
      const account = newAccount();
      for (const name of NAMES) await store().aliases.create(makeAlias(account, name, KEY_A));
      await store().aliases.create(makeAlias(account, 'alias/elsewhere', KEY_A, OTHER_REGION));
      await store().aliases.create(makeAlias(newAccount(), 'alias/other-account', KEY_A));
      const page = await store().aliases.list(account, REGION, 100);
      assert.deepEqual(page.items.map((a) => a.aliasName), [...NAMES].sort(byCodeUnit));
      assert.equal(page.next, undefined);
      assert.deepEqual(page.items[0], makeAlias(account, page.items[0].aliasName, KEY_A));
    });

    it('pages with limit and next, without gaps or repeats', async () => {
      const account = newAccount();
      for (const name of NAMES) await store().aliases.create(makeAlias(account, name, KEY_A));
      const pages = await allPages((after) => store().aliases.list(account, REGION, 3, after));
      assert.deepEqual(pages.map((p) => p.items.length), [3, 3, 1]);
      assert.deepEqual(pages.flatMap((p) => p.items.map((a) => a.aliasName)), [...NAMES].sort(byCodeUnit));
      const exact = await store().aliases.list(account, REGION, NAMES.length);
      assert.equal(exact.items.length, NAMES.length);
      assert.equal(exact.next, undefined);
    });

    it('filters by target key, also across pages', async () => {
      const account = newAccount();
      const toB = ['alias/b1', 'alias/b2', 'alias/b3'];
      for (const name of ['alias/a1', 'alias/a2', 'alias/a3', 'alias/a4']) await store().aliases.create(makeAlias(account, name, KEY_A));
      for (const name of toB) await store().aliases.create(makeAlias(account, name, KEY_B));
      const one = await store().aliases.list(account, REGION, 100, undefined, KEY_B);
      assert.deepEqual(one.items.map((a) => a.aliasName), toB);
      const pages = await allPages((after) => store().aliases.list(account, REGION, 2, after, KEY_B));
      assert.deepEqual(pages.flatMap((p) => p.items.map((a) => a.aliasName)), toB);
      assert.ok(pages.every((p) => p.items.every((a) => a.targetKeyId === KEY_B)));
      assert.deepEqual((await store().aliases.list(account, REGION, 100, undefined, 'no-such-key')).items, []);
    });

    it('updates the target and last-updated date, keeping the creation date', async () => {
      const account = newAccount();
      const alias = makeAlias(account, 'alias/move', KEY_A);
      await store().aliases.create(alias);
      await store().aliases.create(makeAlias(account, 'alias/stay', KEY_A));
      const moved = { ...alias, targetKeyId: KEY_B, lastUpdatedDate: at(60_000) };
      await store().aliases.update(moved);
      assert.deepEqual(await store().aliases.get(account, REGION, 'alias/move'), moved);
      assert.equal((await store().aliases.get(account, REGION, 'alias/stay'))?.targetKeyId, KEY_A);
      assert.deepEqual((await store().aliases.list(account, REGION, 10, undefined, KEY_B)).items, [moved]);
    });

    it('deletes an alias; deleting again or an unknown one returns false', async () => {
      const account = newAccount();
      await store().aliases.create(makeAlias(account, 'alias/gone', KEY_A));
      await store().aliases.create(makeAlias(account, 'alias/gone', KEY_A, OTHER_REGION));
      assert.equal(await store().aliases.delete(account, REGION, 'alias/gone'), true);
      assert.equal(await store().aliases.get(account, REGION, 'alias/gone'), undefined);
      assert.equal(await store().aliases.delete(account, REGION, 'alias/gone'), false);
      assert.equal(await store().aliases.delete(account, REGION, 'alias/never'), false);
      assert.ok(await store().aliases.get(account, OTHER_REGION, 'alias/gone'));
      assert.equal(await store().aliases.create(makeAlias(account, 'alias/gone', KEY_B)), true, 'name is free again');
    });
  });
}

export function tagStoreContract(store: () => Store): void {
  describe('tags', () => {
    it('puts, merges and overwrites tags', async () => {
      const key = await createKey(store(), newAccount());
      const ref = refOf(key);
      assert.deepEqual(await store().tags.get(ref), {});
      assert.equal(await store().tags.put(ref, { Team: 'a', Env: 'dev' }, 50), true);
      assert.equal(await store().tags.put(ref, { Owner: 'ö ✓' }, 50), true);
      assert.deepEqual(await store().tags.get(ref), { Env: 'dev', Owner: 'ö ✓', Team: 'a' });
      assert.equal(await store().tags.put(ref, { Team: 'b', Cost: '' }, 50), true);
      assert.deepEqual(await store().tags.get(ref), { Cost: '', Env: 'dev', Owner: 'ö ✓', Team: 'b' });
    });

    it('returns tags sorted by key', async () => {
      const key = await createKey(store(), newAccount());
      await store().tags.put(refOf(key), { b: '1', a: '2', A: '3', _z: '4', 'aws:x': '5' }, 50);
      const keys = Object.keys(await store().tags.get(refOf(key)));
      assert.deepEqual(keys, ['A', '_z', 'a', 'aws:x', 'b']);
    });

    it('refuses a put that would exceed maxTags, changing nothing', async () => {
      const key = await createKey(store(), newAccount(), REGION, {}, { a: '1', b: '2' });
      const ref = refOf(key);
      assert.equal(await store().tags.put(ref, { c: '3' }, 3), true);
      const full = { a: '1', b: '2', c: '3' };
      assert.equal(await store().tags.put(ref, { d: '4' }, 3), false);
      assert.deepEqual(await store().tags.get(ref), full);
      // An overwrite riding along with a refused addition is not applied either.
      assert.equal(await store().tags.put(ref, { a: 'changed', e: '5' }, 3), false);
      assert.deepEqual(await store().tags.get(ref), full);
      // Overwriting only existing keys at the limit is allowed.
      assert.equal(await store().tags.put(ref, { a: 'x', c: 'y' }, 3), true);
      assert.deepEqual(await store().tags.get(ref), { a: 'x', b: '2', c: 'y' });
      assert.equal(await store().tags.put(ref, {}, 3), true);
      assert.equal(await store().tags.put(refOf(await createKey(store(), newAccount())), { a: '1', b: '2' }, 1), false);
    });

    it('removes the named tags, ignoring ones that are absent', async () => {
      const key = await createKey(store(), newAccount(), REGION, {}, { a: '1', b: '2', c: '3' });
      await store().tags.remove(refOf(key), ['a', 'c', 'missing']);
      assert.deepEqual(await store().tags.get(refOf(key)), { b: '2' });
      await store().tags.remove(refOf(key), []);
      assert.deepEqual(await store().tags.get(refOf(key)), { b: '2' });
    });

    it('keeps tags of different keys, accounts and regions apart', async () => {
      const account = newAccount();
      const a = await createKey(store(), account, REGION, {}, { t: 'a' });
      const b = await createKey(store(), account, REGION, {}, { t: 'b' });
      const c = await createKey(store(), account, OTHER_REGION, { keyId: a.keyId }, { t: 'c' });
      await store().tags.put(refOf(a), { extra: '1' }, 2);
      await store().tags.remove(refOf(b), ['t']);
      assert.deepEqual(await store().tags.get(refOf(a)), { extra: '1', t: 'a' });
      assert.deepEqual(await store().tags.get(refOf(b)), {});
      assert.deepEqual(await store().tags.get(refOf(c)), { t: 'c' });
      // The limit counts only this key's tags.
      assert.equal(await store().tags.put(refOf(c), { u: '1' }, 2), true);
    });
  });
}

export function credentialStoreContract(store: () => Store): void {
  describe('credentials', () => {
    it('ensureAccount is idempotent and the account is listed once', async () => {
      const account = newAccount();
      await store().credentials.ensureAccount(account, at(0));
      await store().credentials.ensureAccount(account, at(1000));
      const listed = (await store().credentials.listAccounts()).filter((a) => a === account);
      assert.deepEqual(listed, [account]);
    });

    it('puts and gets access keys exactly; unknown ids are undefined', async () => {
      const account = newAccount();
      await store().credentials.ensureAccount(account, at(0));
      const root = makeAccessKey(account);
      const user = makeAccessKey(account, {
        principalType: 'IAMUser',
        principalArn: `arn:aws:iam::${account}:user/ci/deployer`,
        status: 'Inactive',
        createdAt: at(1),
        wrappedSecret: Buffer.from(Array.from({ length: 64 }, (_, i) => 255 - i)),
      });
      await store().credentials.putAccessKey(root);
      await store().credentials.putAccessKey(user);
      assert.deepEqual(await store().credentials.getAccessKey(root.accessKeyId), root);
      assert.deepEqual(await store().credentials.getAccessKey(user.accessKeyId), user);
      assert.equal(await store().credentials.getAccessKey('AKIANOSUCHKEY0000000'), undefined);
    });

    it('lists the access keys of one account only', async () => {
      const [a, b] = [newAccount(), newAccount()];
      for (const account of [a, b]) await store().credentials.ensureAccount(account, at(0));
      const keysA = [makeAccessKey(a, { createdAt: at(1) }), makeAccessKey(a, { createdAt: at(2), principalType: 'IAMUser' })];
      for (const k of [...keysA, makeAccessKey(b)]) await store().credentials.putAccessKey(k);
      const byId = (x: { accessKeyId: string }, y: { accessKeyId: string }) => byCodeUnit(x.accessKeyId, y.accessKeyId);
      assert.deepEqual((await store().credentials.listAccessKeys(a)).sort(byId), keysA.sort(byId));
      assert.equal((await store().credentials.listAccessKeys(b)).length, 1);
      assert.deepEqual(await store().credentials.listAccessKeys(newAccount()), []);
    });
  });

  describe('ping', () => {
    it('answers true on an open store', async () => {
      assert.equal(await store().ping(), true);
    });
  });
}
