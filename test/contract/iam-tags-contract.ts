/**
 * Contract for the tags of IAM users and roles (IamStore getTags/putTags/removeTags and the tags
 * given to createUser/createRole); part of iamStoreContract.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../src/store/ports.js';
import { newAccount } from './fixtures.js';
import { makeRole, makeUser } from './iam-contract.js';

export function identityTags(store: () => Store): void {
  describe('user and role tags', () => {
    it('stores tags given at creation, per identity kind, and lists them by key', async () => {
      const account = newAccount();
      assert.equal(await store().iam.createUser(makeUser(account, 'u'), { team: 'blue', Cost: '12', a: '' }), true);
      await store().iam.createRole(makeRole(account, 'u'), { team: 'red' });
      await store().iam.createUser(makeUser(newAccount(), 'u'), { other: 'account' });
      assert.deepEqual(Object.entries(await store().iam.getTags(account, 'user', 'U')), [['a', ''], ['Cost', '12'], ['team', 'blue']]);
      assert.deepEqual(await store().iam.getTags(account, 'role', 'u'), { team: 'red' });
      assert.deepEqual(await store().iam.getTags(account, 'user', 'nobody'), {});
      assert.equal(await store().iam.createUser(makeUser(account, 'U'), { team: 'green' }), false);
      assert.deepEqual(await store().iam.getTags(account, 'user', 'u'), { a: '', Cost: '12', team: 'blue' });
    });

    it('adds and replaces tags regardless of key case, keeping the spelling last written', async () => {
      const account = newAccount();
      await store().iam.createRole(makeRole(account, 'r'));
      assert.equal(await store().iam.putTags(account, 'role', 'r', { Department: 'foo', x: '1' }, 50), true);
      assert.equal(await store().iam.putTags(account, 'role', 'R', { department: 'bar', Ünï: 'a' }, 50), true);
      assert.equal(await store().iam.putTags(account, 'role', 'r', { üNÏ: 'b' }, 50), true);
      assert.deepEqual(await store().iam.getTags(account, 'role', 'r'), { department: 'bar', x: '1', üNÏ: 'b' });
    });

    it('writes nothing when the result would exceed the quota', async () => {
      const account = newAccount();
      await store().iam.createUser(makeUser(account, 'q'));
      const many = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, `${i}`]));
      assert.equal(await store().iam.putTags(account, 'user', 'q', many, 50), true);
      assert.equal(await store().iam.putTags(account, 'user', 'q', { K0: 'replaced', extra: 'x', more: 'y' }, 50), false);
      const tags = await store().iam.getTags(account, 'user', 'q');
      assert.equal(Object.keys(tags).length, 49);
      assert.equal(tags.k0, '0');
      assert.equal(await store().iam.putTags(account, 'user', 'q', { K0: 'replaced', extra: 'x' }, 50), true);
      assert.equal(Object.keys(await store().iam.getTags(account, 'user', 'q')).length, 50);
    });

    it('removes tags by key regardless of case, ignoring absent keys', async () => {
      const account = newAccount();
      await store().iam.createUser(makeUser(account, 'u'), { Team: 'blue', keep: 'me' });
      await store().iam.removeTags(account, 'user', 'U', ['TEAM', 'absent']);
      assert.deepEqual(await store().iam.getTags(account, 'user', 'u'), { keep: 'me' });
    });

    it('forgets the tags of a deleted user or role', async () => {
      const account = newAccount();
      await store().iam.createUser(makeUser(account, 'gone'), { team: 'blue' });
      await store().iam.createRole(makeRole(account, 'gone'), { team: 'red' });
      assert.equal(await store().iam.deleteUser(account, 'GONE'), true);
      assert.equal(await store().iam.deleteRole(account, 'gone'), true);
      await store().iam.createUser(makeUser(account, 'gone'));
      await store().iam.createRole(makeRole(account, 'Gone'));
      assert.deepEqual(await store().iam.getTags(account, 'user', 'gone'), {});
      assert.deepEqual(await store().iam.getTags(account, 'role', 'gone'), {});
    });
  });
}
