/**
 * GrantStore contract (src/store/grant-ports.ts): every adapter must pass these unchanged. Each
 * test works in fresh random accounts, so a shared database is fine.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { GrantStore, KmsGrant } from '../../src/store/grant-ports.js';
import { InvalidPagePositionError, type KeyRef } from '../../src/store/ports.js';
import { OTHER_REGION, REGION, allPages, at, newAccount } from './fixtures.js';

const hex = (n: number) => randomBytes(n).toString('hex');

export function keyRef(account = newAccount(), region = REGION): KeyRef {
  return { account, region, keyId: randomUUID() };
}

export function makeGrant(ref: KeyRef, overrides: Partial<KmsGrant> = {}): KmsGrant {
  return {
    account: ref.account,
    region: ref.region,
    keyId: ref.keyId,
    grantId: hex(32),
    granteePrincipal: `arn:aws:iam::${ref.account}:user/grantee`,
    operations: ['Decrypt', 'Encrypt'],
    issuingAccount: `arn:aws:iam::${ref.account}:root`,
    creationDate: at(0),
    grantTokenSha256: hex(32),
    ...overrides,
  };
}

const MAX = 50_000;

export function grantStoreContract(store: () => GrantStore): void {
  describe('grants', () => {
    it('creates and gets a grant exactly, with every optional field', async () => {
      const ref = keyRef();
      const g = makeGrant(ref, {
        name: 'app:grant/1_x-y',
        retiringPrincipal: `arn:aws:sts::${ref.account}:assumed-role/Admin/s1`,
        operations: ['GenerateDataKey', 'RetireGrant', 'DescribeKey'],
        constraints: {
          EncryptionContextEquals: { Department: 'IT', 'ключ': 'значение ✓', '': '' },
          EncryptionContextSubset: { a: 'b' },
        },
        creationDate: at(123),
      });
      assert.equal(await store().create(g, MAX), true);
      assert.deepEqual(await store().get(ref, g.grantId), g);
    });

    it('keeps optional fields absent when they were absent', async () => {
      const ref = keyRef();
      const g = makeGrant(ref);
      await store().create(g, MAX);
      const got = await store().get(ref, g.grantId);
      assert.deepEqual(got, g);
      assert.ok(got && !('name' in got) && !('retiringPrincipal' in got) && !('constraints' in got));
    });

    it('keeps an encryption context key named __proto__ as plain data', async () => {
      const ref = keyRef();
      const equals: Record<string, string> = {};
      Object.defineProperty(equals, '__proto__', { value: 'x', enumerable: true, writable: true, configurable: true });
      await store().create(makeGrant(ref, { grantId: hex(32), constraints: { EncryptionContextEquals: equals } }), MAX);
      const [got] = (await store().list(ref, 10)).items;
      assert.deepEqual(Object.entries(got.constraints!.EncryptionContextEquals!), [['__proto__', 'x']]);
    });

    it('scopes a grant to its key, account and region', async () => {
      const ref = keyRef();
      const g = makeGrant(ref);
      await store().create(g, MAX);
      assert.equal(await store().get({ ...ref, keyId: randomUUID() }, g.grantId), undefined);
      assert.equal(await store().get({ ...ref, account: newAccount() }, g.grantId), undefined);
      assert.equal(await store().get({ ...ref, region: OTHER_REGION }, g.grantId), undefined);
      assert.equal(await store().get(ref, hex(32)), undefined);
    });

    it('finds a grant by any of its tokens; addToken refuses a missing grant', async () => {
      const ref = keyRef();
      const g = makeGrant(ref);
      await store().create(g, MAX);
      assert.deepEqual(await store().getByToken(g.grantTokenSha256), g);
      const second = hex(32);
      assert.equal(await store().addToken(ref, g.grantId, second), true);
      assert.deepEqual(await store().getByToken(second), g);
      assert.deepEqual(await store().getByToken(g.grantTokenSha256), g, 'the first token keeps working');
      assert.equal(await store().getByToken(hex(32)), undefined);
      assert.equal(await store().addToken(ref, hex(32), hex(32)), false);
    });

    it('finds grants by name on one key, oldest first', async () => {
      const ref = keyRef();
      const a = makeGrant(ref, { name: 'n', creationDate: at(1) });
      const b = makeGrant(ref, { name: 'n', operations: ['Decrypt'], creationDate: at(2) });
      await store().create(a, MAX);
      await store().create(makeGrant(ref, { name: 'other' }), MAX);
      await store().create(makeGrant(ref), MAX);
      await store().create(makeGrant(keyRef(ref.account), { name: 'n' }), MAX);
      await store().create(b, MAX);
      assert.deepEqual(await store().findByName(ref, 'n'), [a, b]);
      assert.deepEqual(await store().findByName(ref, 'N'), [], 'names are case-sensitive');
    });

    it('lists one key\'s grants oldest first, paging without gaps or repeats', async () => {
      const ref = keyRef();
      const made: KmsGrant[] = [];
      for (let i = 0; i < 7; i++) {
        const g = makeGrant(ref, { creationDate: at(i) });
        made.push(g);
        await store().create(g, MAX);
        await store().create(makeGrant(keyRef(ref.account)), MAX);
      }
      const pages = await allPages((after) => store().list(ref, 3, after));
      assert.deepEqual(pages.map((p) => p.items.length), [3, 3, 1]);
      assert.deepEqual(pages.flatMap((p) => p.items), made);
      assert.equal(pages[2].next, undefined);
      const exact = await store().list(ref, 7);
      assert.equal(exact.next, undefined);
      await assert.rejects(store().list(ref, 3, 'not-a-position'), InvalidPagePositionError);
    });

    it('filters a listing by grant id and by grantee principal', async () => {
      const ref = keyRef();
      const alice = `arn:aws:iam::${ref.account}:user/alice`;
      const a1 = makeGrant(ref, { granteePrincipal: alice });
      const b = makeGrant(ref);
      const a2 = makeGrant(ref, { granteePrincipal: alice });
      for (const g of [a1, b, a2]) await store().create(g, MAX);
      assert.deepEqual((await store().list(ref, 10, undefined, { grantId: b.grantId })).items, [b]);
      assert.deepEqual((await store().list(ref, 10, undefined, { granteePrincipal: alice })).items, [a1, a2]);
      const page1 = await store().list(ref, 1, undefined, { granteePrincipal: alice });
      assert.deepEqual(page1.items, [a1]);
      assert.deepEqual((await store().list(ref, 1, page1.next, { granteePrincipal: alice })).items, [a2]);
      assert.deepEqual((await store().list(ref, 10, undefined, { grantId: a1.grantId, granteePrincipal: alice })).items, [a1]);
      assert.deepEqual((await store().list(ref, 10, undefined, { grantId: b.grantId, granteePrincipal: alice })).items, []);
    });

    it('lists retirable grants of one region across keys and accounts, paging', async () => {
      const retiring = `arn:aws:iam::${newAccount()}:role/retirer-${hex(4)}`;
      const want: KmsGrant[] = [];
      for (let i = 0; i < 4; i++) {
        const g = makeGrant(keyRef(), { retiringPrincipal: retiring });
        want.push(g);
        await store().create(g, MAX);
      }
      await store().create(makeGrant(keyRef(undefined, OTHER_REGION), { retiringPrincipal: retiring }), MAX);
      await store().create(makeGrant(keyRef(), { retiringPrincipal: `${retiring}-other` }), MAX);
      await store().create(makeGrant(keyRef(), { granteePrincipal: retiring }), MAX);
      const pages = await allPages((after) => store().listRetirable(REGION, retiring, 3, after));
      assert.deepEqual(pages.flatMap((p) => p.items), want);
      assert.deepEqual(pages.map((p) => p.items.length), [3, 1]);
      await assert.rejects(store().listRetirable(REGION, retiring, 3, 'x'), InvalidPagePositionError);
    });

    it('returns the grants of a key held by any of the given principals', async () => {
      const ref = keyRef();
      const role = `arn:aws:iam::${ref.account}:role/R`;
      const session = `arn:aws:sts::${ref.account}:assumed-role/R/s`;
      const toRole = makeGrant(ref, { granteePrincipal: role });
      const toSession = makeGrant(ref, { granteePrincipal: session });
      await store().create(toRole, MAX);
      await store().create(makeGrant(ref), MAX);
      await store().create(toSession, MAX);
      await store().create(makeGrant(keyRef(ref.account), { granteePrincipal: role }), MAX);
      assert.deepEqual(await store().forGrantee(ref, [session, role]), [toRole, toSession]);
      assert.deepEqual(await store().forGrantee(ref, [role]), [toRole]);
      assert.deepEqual(await store().forGrantee(ref, []), []);
    });

    it('finds a grant by its index rules: key, Region, grantee, operation, rule and operation mask', async () => {
      const ref = keyRef();
      const me = `arn:aws:iam::${ref.account}:user/me`;
      const g = makeGrant(ref, { granteePrincipal: me, operations: ['Decrypt', 'CreateGrant'], constraints: { EncryptionContextSubset: { t: 'a' } } });
      await store().create(g, MAX);
      await store().create(makeGrant({ ...ref, region: 'eu-west-1' }, { granteePrincipal: me, operations: ['Encrypt'] }), MAX);
      const sub = 'sub:[["t","a"]]';
      assert.equal(await store().findByRule(ref, [me], 'Decrypt', ['any', sub]), g.grantId);
      assert.equal(await store().findByRule(ref, [me], 'Decrypt', ['any']), undefined);
      assert.equal(await store().findByRule(ref, ['someone-else', me], 'CreateGrant', ['any']), g.grantId);
      assert.equal(await store().findByRule(ref, ['someone-else'], 'Decrypt', [sub]), undefined);
      assert.equal(await store().findByRule(ref, [], 'Decrypt', [sub]), undefined);
      assert.equal(await store().findByRule(ref, [me], 'Encrypt', ['any']), undefined, 'a grant in another Region does not count');
      assert.equal(await store().findByRule(ref, [me], '#parent', [sub], 1), g.grantId, 'mask of Decrypt');
      assert.equal(await store().findByRule(ref, [me], '#parent', [sub], 2), undefined, 'mask of Encrypt');
      assert.equal(await store().findByRule(ref, [me], 'Decrypt', ['any'], 0, (rule) => rule === sub), g.grantId, 'scan');
      await store().delete(ref, g.grantId);
      assert.equal(await store().findByRule(ref, [me], 'Decrypt', ['any', sub]), undefined, 'deleted with its grant');
    });

    it('deletes a grant with all its tokens, leaving the others', async () => {
      const ref = keyRef();
      const g = makeGrant(ref, { name: 'gone' });
      const keep = makeGrant(ref);
      await store().create(g, MAX);
      await store().create(keep, MAX);
      const second = hex(32);
      await store().addToken(ref, g.grantId, second);
      assert.equal(await store().delete(ref, g.grantId), true);
      assert.equal(await store().delete(ref, g.grantId), false);
      assert.equal(await store().get(ref, g.grantId), undefined);
      assert.equal(await store().getByToken(g.grantTokenSha256), undefined);
      assert.equal(await store().getByToken(second), undefined);
      assert.deepEqual(await store().findByName(ref, 'gone'), []);
      assert.deepEqual((await store().list(ref, 10)).items, [keep]);
      assert.deepEqual(await store().getByToken(keep.grantTokenSha256), keep);
    });

    it('refuses a grant beyond the per-key quota, storing nothing', async () => {
      const ref = keyRef();
      assert.equal(await store().create(makeGrant(ref), 2), true);
      assert.equal(await store().create(makeGrant(ref), 2), true);
      const third = makeGrant(ref);
      assert.equal(await store().create(third, 2), false);
      assert.equal(await store().get(ref, third.grantId), undefined);
      assert.equal(await store().getByToken(third.grantTokenSha256), undefined);
      assert.equal(await store().create(makeGrant(keyRef(ref.account)), 2), true, 'the quota is per key');
      await store().delete(ref, (await store().list(ref, 1)).items[0].grantId);
      assert.equal(await store().create(third, 2), true);
    });
  });
}
