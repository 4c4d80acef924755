/** KeyStore read-modify-write contract (transact, destroy when due): every adapter must pass these unchanged. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KmsKey } from '../../src/domain/key.js';
import type { Store } from '../../src/store/ports.js';
import { REGION, at, createKey, makeAlias, makeMaterial, materialId, newAccount, refOf } from './fixtures.js';

export function keyTransactionContract(store: () => Store): void {
  describe('keys: transact', () => {
    it('gives the rows as committed and applies the changes built from them; returns the result', async () => {
      const key = await createKey(store(), newAccount(), REGION);
      await store().keys.update({ ...key, description: 'changed elsewhere' });
      const seen = await store().keys.transact((reads) => {
        const fresh = reads.get(refOf(key))!;
        const material = { ...makeMaterial(fresh), keyMaterialId: materialId(0x42), createdAt: at(5) };
        return { changes: [{ key: { ...fresh, policy: '{"new":1}', currentKeyMaterialId: material.keyMaterialId }, materials: [material] }], result: fresh.description };
      });
      assert.equal(seen, 'changed elsewhere');
      const after = (await store().keys.get(refOf(key))) as KmsKey;
      assert.deepEqual([after.description, after.policy, after.currentKeyMaterialId], ['changed elsewhere', '{"new":1}', materialId(0x42)]);
      assert.equal((await store().keys.listMaterials(refOf(key))).length, 2);
    });

    it('reads every region of a key id and each key’s materials', async () => {
      const key = await createKey(store(), newAccount(), REGION, { multiRegion: true });
      const [regions, materials, missing] = await store().keys.transact((reads) => ({
        changes: [],
        result: [reads.regionsOf(key.account, key.keyId).length, reads.listMaterials(refOf(key)).length, reads.get({ ...refOf(key), keyId: '00000000-0000-0000-0000-000000000000' })] as const,
      }));
      assert.deepEqual([regions, materials, missing], [1, 1, undefined]);
    });

    it('changes nothing when the function throws', async () => {
      const key = await createKey(store(), newAccount(), REGION);
      await assert.rejects(
        store().keys.transact((reads) => {
          const fresh = reads.get(refOf(key))!;
          void fresh;
          throw new Error('refused');
        }),
        /refused/,
      );
      assert.deepEqual(await store().keys.get(refOf(key)), key);
    });
    it('is linearizable: concurrent read-modify-writes of one key lose no update', async () => {
      const key = await createKey(store(), newAccount(), REGION, { description: '0' });
      await Promise.all(Array.from({ length: 20 }, () => store().keys.transact((reads) => {
        const fresh = reads.get(refOf(key))!;
        return { changes: [{ key: { ...fresh, description: String(Number(fresh.description) + 1) } }], result: undefined };
      })));
      assert.equal((await store().keys.get(refOf(key)))?.description, '20');
    });
  });

  describe('keys: destroy when due', () => {
    it('destroys only a key pending deletion whose date is at or before the given time', async () => {
      const account = newAccount();
      const enabled = await createKey(store(), account, REGION);
      const pending = await createKey(store(), account, REGION, { lifecycle: { state: 'PendingDeletion', deletionDate: at(1000), pendingWindowInDays: 7 } });
      assert.equal(await store().keys.destroy(refOf(enabled), at(5000)), false);
      assert.equal(await store().keys.destroy(refOf(pending), at(999)), false);
      assert.ok(await store().keys.get(refOf(pending)));
      assert.equal(await store().keys.destroy(refOf(pending), at(1000)), true);
      assert.equal(await store().keys.get(refOf(pending)), undefined);
      assert.ok(await store().keys.get(refOf(enabled)));
    });
  });

  describe('aliases: compare-and-set on the target', () => {
    it('updates and deletes only while the alias points to the expected key', async () => {
      const account = newAccount();
      const [a, b, c] = [await createKey(store(), account, REGION), await createKey(store(), account, REGION), await createKey(store(), account, REGION)];
      const alias = makeAlias(account, 'alias/cas', a.keyId);
      assert.equal(await store().aliases.create(alias), true);
      assert.equal(await store().aliases.update({ ...alias, targetKeyId: c.keyId, lastUpdatedDate: at(1) }, b.keyId), false);
      assert.equal((await store().aliases.get(account, REGION, 'alias/cas'))?.targetKeyId, a.keyId);
      assert.equal(await store().aliases.update({ ...alias, targetKeyId: b.keyId, lastUpdatedDate: at(2) }, a.keyId), true);
      assert.equal((await store().aliases.get(account, REGION, 'alias/cas'))?.targetKeyId, b.keyId);
      assert.equal(await store().aliases.delete(account, REGION, 'alias/cas', a.keyId), false);
      assert.ok(await store().aliases.get(account, REGION, 'alias/cas'));
      assert.equal(await store().aliases.delete(account, REGION, 'alias/cas', b.keyId), true);
      assert.equal(await store().aliases.get(account, REGION, 'alias/cas'), undefined);
      assert.equal(await store().aliases.update({ ...alias, targetKeyId: b.keyId, lastUpdatedDate: at(3) }), false, 'an absent alias is not updated');
    });
  });
}
