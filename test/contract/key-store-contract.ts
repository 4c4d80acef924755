/** KeyStore contract: every adapter must pass these unchanged. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyLifecycle, KmsKey } from '../../src/domain/key.js';
import { InvalidPagePositionError, type Store } from '../../src/store/ports.js';
import {
  OTHER_REGION, REGION, T0, allPages, at, createKey, makeAlias, makeKey, makeMaterial, materialId, newAccount, refOf,
} from './fixtures.js';

const LIFECYCLES: KeyLifecycle[] = [
  { state: 'Disabled' },
  { state: 'PendingDeletion', deletionDate: at(7 * 86_400_000 + 123), pendingWindowInDays: 7 },
  { state: 'PendingImport' },
  { state: 'Unavailable' },
  { state: 'PendingDeletion', deletionDate: at(30 * 86_400_000), pendingWindowInDays: 30 },
  { state: 'Enabled' },
];

export function keyStoreContract(store: () => Store): void {
  describe('keys: create and get', () => {
    it('round-trips every field of a key exactly', async () => {
      const account = newAccount();
      const key = await createKey(store(), account, REGION, {
        description: 'ünïcödé description ✓',
        keyUsage: 'SIGN_VERIFY',
        keySpec: 'ECC_NIST_P256',
        origin: 'EXTERNAL',
        keyManager: 'AWS',
        multiRegion: true,
        lifecycle: { state: 'PendingImport' },
        policy: '{\n  "Version" : "2012-10-17",\n  "Statement" : [ ]\n}',
        currentKeyMaterialId: materialId(0xab),
      });
      assert.deepEqual(await store().keys.get(refOf(key)), key);
    });

    it('stores the first material and the tags with the key', async () => {
      const key = await createKey(store(), newAccount(), REGION, {}, { Team: 'payments', Env: '' });
      assert.deepEqual(await store().keys.getMaterial(refOf(key), key.currentKeyMaterialId!), makeMaterial(key));
      assert.deepEqual(await store().tags.get(refOf(key)), { Env: '', Team: 'payments' });
    });

    for (const lifecycle of LIFECYCLES) {
      it(`creates a key in state ${lifecycle.state} and reads it back exactly`, async () => {
        const key = await createKey(store(), newAccount(), REGION, { lifecycle });
        assert.deepEqual((await store().keys.get(refOf(key)))?.lifecycle, lifecycle);
      });
    }

    it('returns undefined for an unknown key', async () => {
      const key = await createKey(store(), newAccount());
      assert.equal(await store().keys.get({ ...refOf(key), keyId: '00000000-0000-0000-0000-000000000000' }), undefined);
    });
  });

  describe('keys: list', () => {
    // Ids descend while creation order ascends, so an adapter sorting by id fails.
    const ids = ['ffffffff', 'cccccccc', 'aaaaaaaa', '99999999', '55555555'].map((p) => `${p}-0000-4000-8000-000000000000`);
    async function createFive(account: string): Promise<KmsKey[]> {
      const keys: KmsKey[] = [];
      for (const keyId of ids) keys.push(await createKey(store(), account, REGION, { keyId, description: keyId }));
      return keys;
    }

    it('lists the keys of one account and region in creation order', async () => {
      const account = newAccount();
      const keys = await createFive(account);
      await createKey(store(), account, OTHER_REGION);
      await createKey(store(), newAccount(), REGION);
      const page = await store().keys.list(account, REGION, 100);
      assert.deepEqual(page.items, keys);
      assert.equal(page.next, undefined);
    });

    it('pages with limit and next until the end, without gaps or repeats', async () => {
      const account = newAccount();
      const keys = await createFive(account);
      const pages = await allPages((after) => store().keys.list(account, REGION, 2, after));
      assert.deepEqual(pages.map((p) => p.items.length), [2, 2, 1]);
      assert.deepEqual(pages.flatMap((p) => p.items.map((k) => k.keyId)), keys.map((k) => k.keyId));
      assert.equal(pages[2].next, undefined);
    });

    it('has no next when the last page is exactly full', async () => {
      const account = newAccount();
      const keys = await createFive(account);
      const first = await store().keys.list(account, REGION, 5);
      assert.deepEqual(first.items, keys);
      assert.equal(first.next, undefined);
      const one = await store().keys.list(account, REGION, 4);
      assert.equal(one.items.length, 4);
      assert.notEqual(one.next, undefined);
      const rest = await store().keys.list(account, REGION, 1, one.next);
      assert.deepEqual(rest.items.map((k) => k.keyId), [ids[4]]);
      assert.equal(rest.next, undefined);
    });

    it('a page position stays valid when keys are created after it was handed out', async () => {
      const account = newAccount();
      const keys = await createFive(account);
      const first = await store().keys.list(account, REGION, 3);
      const late = await createKey(store(), account);
      const rest = await store().keys.list(account, REGION, 10, first.next);
      assert.deepEqual(rest.items.map((k) => k.keyId), [...keys.slice(3), late].map((k) => k.keyId));
    });

    it('lists nothing for an empty account', async () => {
      assert.deepEqual(await store().keys.list(newAccount(), REGION, 10), { items: [], next: undefined });
    });

    it('rejects a position it did not produce with InvalidPagePositionError', async () => {
      const account = newAccount();
      await createFive(account);
      for (const bogus of ['bogus', '', '-1', 'eyJzZXEiOjF9', '1; DROP TABLE kms_keys']) {
        await assert.rejects(store().keys.list(account, REGION, 2, bogus), InvalidPagePositionError, `after=${JSON.stringify(bogus)}`);
      }
      assert.equal((await store().keys.list(account, REGION, 10)).items.length, 5);
    });
  });

  describe('keys: update', () => {
    it('replaces description, policy and current material', async () => {
      const key = await createKey(store(), newAccount());
      for (const change of [{ description: '' }, { description: 'new ✓' }, { policy: '{"x":1}' }, { currentKeyMaterialId: materialId(9) }]) {
        const updated = { ...((await store().keys.get(refOf(key))) as KmsKey), ...change };
        await store().keys.update(updated);
        assert.deepEqual(await store().keys.get(refOf(key)), updated);
      }
    });

    it('moves through every lifecycle variant, each round-tripping exactly', async () => {
      const key = await createKey(store(), newAccount());
      for (const lifecycle of LIFECYCLES) {
        await store().keys.update({ ...key, lifecycle });
        const got = await store().keys.get(refOf(key));
        assert.deepEqual(got, { ...key, lifecycle }, `after update to ${lifecycle.state}`);
      }
    });

    it('does not change immutable fields', async () => {
      const key = await createKey(store(), newAccount());
      await store().keys.update({ ...key, arn: 'arn:aws:kms:x:y:key/z', creationDate: at(1), keyUsage: 'SIGN_VERIFY', multiRegion: true, description: 'd2' });
      assert.deepEqual(await store().keys.get(refOf(key)), { ...key, description: 'd2' });
    });

    it('touches only the key it names', async () => {
      const account = newAccount();
      const a = await createKey(store(), account);
      const b = await createKey(store(), account);
      await store().keys.update({ ...a, description: 'changed', lifecycle: { state: 'Disabled' } });
      assert.deepEqual(await store().keys.get(refOf(b)), b);
    });
  });

  describe('keys: destroy', () => {
    it('removes the key, its material, its tags and aliases that target it, and nothing else', async () => {
      const account = newAccount();
      const s = store();
      const doomed = await createKey(s, account, REGION, {}, { a: '1', b: '2' });
      const kept = await createKey(s, account, REGION, {}, { a: '1' });
      const sameIdElsewhere = await createKey(s, account, OTHER_REGION, { keyId: doomed.keyId }, { a: '1' });
      assert.equal(await s.aliases.create(makeAlias(account, 'alias/doomed-1', doomed.keyId)), true);
      assert.equal(await s.aliases.create(makeAlias(account, 'alias/doomed-2', doomed.keyId)), true);
      assert.equal(await s.aliases.create(makeAlias(account, 'alias/kept', kept.keyId)), true);
      assert.equal(await s.aliases.create(makeAlias(account, 'alias/doomed-1', doomed.keyId, OTHER_REGION)), true);

      assert.equal(await s.keys.destroy(refOf(doomed)), true);

      assert.equal(await s.keys.get(refOf(doomed)), undefined);
      assert.equal(await s.keys.getMaterial(refOf(doomed), doomed.currentKeyMaterialId!), undefined);
      assert.deepEqual(await s.tags.get(refOf(doomed)), {});
      assert.equal(await s.aliases.get(account, REGION, 'alias/doomed-1'), undefined);
      assert.equal(await s.aliases.get(account, REGION, 'alias/doomed-2'), undefined);
      assert.deepEqual((await s.keys.list(account, REGION, 10)).items, [kept]);

      assert.deepEqual(await s.keys.get(refOf(kept)), kept);
      assert.deepEqual(await s.keys.getMaterial(refOf(kept), kept.currentKeyMaterialId!), makeMaterial(kept));
      assert.deepEqual(await s.tags.get(refOf(kept)), { a: '1' });
      assert.ok(await s.aliases.get(account, REGION, 'alias/kept'));
      assert.deepEqual(await s.keys.get(refOf(sameIdElsewhere)), sameIdElsewhere);
      assert.deepEqual(await s.tags.get(refOf(sameIdElsewhere)), { a: '1' });
      assert.ok(await s.keys.getMaterial(refOf(sameIdElsewhere), sameIdElsewhere.currentKeyMaterialId!));
      assert.ok(await s.aliases.get(account, OTHER_REGION, 'alias/doomed-1'));
    });

    it('returns false for an absent key, and on a second destroy', async () => {
      const key = await createKey(store(), newAccount());
      assert.equal(await store().keys.destroy({ ...refOf(key), keyId: '00000000-0000-0000-0000-000000000000' }), false);
      assert.equal(await store().keys.destroy(refOf(key)), true);
      assert.equal(await store().keys.destroy(refOf(key)), false);
    });
  });

  describe('keys: dueForDeletion', () => {
    it('reports a key exactly at and after its deletion date, not a millisecond before', async () => {
      const account = newAccount();
      const when = at(86_400_000);
      const key = await createKey(store(), account, REGION, { lifecycle: { state: 'PendingDeletion', deletionDate: when, pendingWindowInDays: 7 } });
      await createKey(store(), account, REGION, { lifecycle: { state: 'Disabled' } });
      await createKey(store(), account, REGION);
      const mine = async (now: Date) => (await store().keys.dueForDeletion(now)).filter((r) => r.account === account);
      assert.deepEqual(await mine(new Date(when.getTime() - 1)), []);
      assert.deepEqual(await mine(when), [refOf(key)]);
      assert.deepEqual(await mine(new Date(when.getTime() + 1)), [refOf(key)]);
      assert.deepEqual(await mine(at(10 ** 12)), [refOf(key)]);
    });

    it('covers every account and region, and forgets a key whose deletion was cancelled', async () => {
      const [a1, a2] = [newAccount(), newAccount()];
      const pending: KeyLifecycle = { state: 'PendingDeletion', deletionDate: T0, pendingWindowInDays: 7 };
      const k1 = await createKey(store(), a1, REGION, { lifecycle: pending });
      const k2 = await createKey(store(), a2, OTHER_REGION, { lifecycle: pending });
      const k3 = await createKey(store(), a2, REGION, { lifecycle: pending });
      const mine = async () =>
        (await store().keys.dueForDeletion(T0)).filter((r) => r.account === a1 || r.account === a2).map((r) => JSON.stringify(refOf(r))).sort();
      assert.deepEqual(await mine(), [k1, k2, k3].map((k) => JSON.stringify(refOf(k))).sort());
      await store().keys.update({ ...k3, lifecycle: { state: 'Disabled' } });
      await store().keys.destroy(refOf(k2));
      assert.deepEqual(await mine(), [JSON.stringify(refOf(k1))]);
    });
  });

  describe('keys: getMaterial', () => {
    it('round-trips the wrapped bytes and creation time exactly', async () => {
      const key = makeKey(newAccount(), REGION, { creationDate: at(5) });
      const wrapped = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await store().keys.create(key, [makeMaterial(key, wrapped)], {});
      const got = await store().keys.getMaterial(refOf(key), key.currentKeyMaterialId!);
      assert.ok(got && Buffer.isBuffer(got.wrapped), 'wrapped comes back as a Buffer');
      assert.deepEqual(got, { keyMaterialId: key.currentKeyMaterialId, createdAt: at(5), wrapped });
    });

    it('returns undefined for an unknown material id or key', async () => {
      const key = await createKey(store(), newAccount());
      assert.equal(await store().keys.getMaterial(refOf(key), materialId(0xee)), undefined);
      assert.equal(await store().keys.getMaterial({ ...refOf(key), keyId: 'mrk-0' }, key.currentKeyMaterialId!), undefined);
      assert.equal(await store().keys.getMaterial({ ...refOf(key), account: newAccount() }, key.currentKeyMaterialId!), undefined);
    });
  });

  describe('keys: isolation by account and region', () => {
    it('treats one key id in two accounts or two regions as different keys', async () => {
      const [a, b] = [newAccount(), newAccount()];
      const keyId = 'mrk-1234abcd12ab34cd56ef1234567890ab';
      const keys: KmsKey[] = [];
      for (const [account, region, fill] of [[a, REGION, 1], [b, REGION, 2], [a, OTHER_REGION, 3]] as const) {
        const key = makeKey(account, region, { keyId, description: `${account}/${region}` });
        await store().keys.create(key, [makeMaterial(key, Buffer.alloc(8, fill))], { where: `${account}/${region}` });
        keys.push(key);
      }
      for (const [i, key] of keys.entries()) {
        assert.deepEqual(await store().keys.get(refOf(key)), key);
        assert.deepEqual((await store().keys.getMaterial(refOf(key), key.currentKeyMaterialId!))?.wrapped, Buffer.alloc(8, i + 1));
        assert.deepEqual(await store().tags.get(refOf(key)), { where: key.description });
        assert.deepEqual((await store().keys.list(key.account, key.region, 10)).items, [key]);
      }
      await store().keys.update({ ...keys[0], lifecycle: { state: 'Disabled' } });
      assert.equal(await store().keys.destroy(refOf(keys[1])), true);
      assert.deepEqual((await store().keys.get(refOf(keys[0])))?.lifecycle, { state: 'Disabled' });
      assert.equal(await store().keys.get(refOf(keys[1])), undefined);
      assert.deepEqual(await store().keys.get(refOf(keys[2])), keys[2]);
    });
  });
}
