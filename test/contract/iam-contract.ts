/**
 * Adapter-independent contract for IamStore and SessionStore (src/store/iam-ports.ts). An
 * adapter's test calls `iamStoreContract` once with the same `open`/`cleanup` as storeContract.
 * Tests use fresh random account ids, so a shared, non-empty database is fine.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { IamRole, IamUser, ManagedPolicy, StsSession } from '../../src/store/iam-ports.js';
import type { Store } from '../../src/store/ports.js';
import { T0, at, newAccount } from './fixtures.js';
import { identityTags } from './iam-tags-contract.js';
import { storePerTest } from './store-contract.js';

const uid = (prefix: string) => prefix + randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase();
const DOC = (action: string) => `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"${action}","Resource":"*"}]}`;
const TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}';

export const makeUser = (account: string, userName: string, path = '/'): IamUser => ({
  account, userName, userId: uid('AIDA'), arn: `arn:aws:iam::${account}:user${path}${userName}`, path, createDate: T0,
});
export const makeRole = (account: string, roleName: string, path = '/'): IamRole => ({
  account, roleName, roleId: uid('AROA'), arn: `arn:aws:iam::${account}:role${path}${roleName}`, path,
  assumeRolePolicyDocument: TRUST, description: 'a role', maxSessionDuration: 3600, createDate: T0,
});
export const makePolicy = (account: string, policyName: string, path = '/'): ManagedPolicy => ({
  account, policyName, policyId: uid('ANPA'), arn: `arn:aws:iam::${account}:policy${path}${policyName}`, path,
  description: 'a policy', defaultVersionId: 'v1', createDate: T0, updateDate: at(5),
});
export const makeSession = (account: string, overrides: Partial<StsSession> = {}): StsSession => ({
  accessKeyId: uid('ASIA').slice(0, 20),
  wrappedSecret: Buffer.from([1, 2, 3, 0, 255]),
  sessionTokenSha256: 'ab'.repeat(32),
  account,
  principalType: 'AssumedRole',
  principalArn: `arn:aws:sts::${account}:assumed-role/R/s`,
  principalId: 'AROAEXAMPLE:s',
  issuerArn: `arn:aws:iam::${account}:role/R`,
  issuerName: 'R',
  sessionName: 's',
  sessionPolicies: [DOC('kms:*'), DOC('s3:*')],
  tags: {},
  transitiveTagKeys: [],
  expiration: at(3_600_000),
  createdAt: T0,
  ...overrides,
});

export function iamStoreContract(name: string, open: () => Promise<Store> | Store, cleanup?: () => void): void {
  describe(`iam store contract: ${name}`, () => {
    const store = storePerTest(open, cleanup);
    usersAndRoles(store);
    identityTags(store);
    policies(store);
    sessions(store);
  });
}

function usersAndRoles(store: () => Store): void {
  describe('users and roles', () => {
    it('creates, gets, lists (alphabetically, per account) and deletes users', async () => {
      const account = newAccount();
      const bob = makeUser(account, 'bob', '/team/');
      assert.equal(await store().iam.createUser(bob), true);
      assert.deepEqual(await store().iam.getUser(account, 'bob'), bob);
      await store().iam.createUser(makeUser(account, 'Alice'));
      await store().iam.createUser(makeUser(account, 'carol'));
      await store().iam.createUser(makeUser(newAccount(), 'dave'));
      assert.deepEqual((await store().iam.listUsers(account)).map((u) => u.userName), ['Alice', 'bob', 'carol']);
      assert.equal(await store().iam.getUser(newAccount(), 'bob'), undefined);
      assert.equal(await store().iam.deleteUser(account, 'bob'), true);
      assert.equal(await store().iam.deleteUser(account, 'bob'), false);
      assert.equal(await store().iam.getUser(account, 'bob'), undefined);
    });

    it('finds a user or role by its unique id, in any account, until it is deleted', async () => {
      const account = newAccount();
      const user = makeUser(account, 'erin');
      const role = makeRole(newAccount(), 'ops');
      await store().iam.createUser(user);
      await store().iam.createRole(role);
      assert.deepEqual(await store().iam.getPrincipalById(user.userId), user);
      assert.deepEqual(await store().iam.getPrincipalById(role.roleId), role);
      await store().iam.deleteUser(account, 'erin');
      assert.equal(await store().iam.getPrincipalById(user.userId), undefined);
      // A namesake has a new id; the old one stays unknown.
      const again = makeUser(account, 'erin');
      await store().iam.createUser(again);
      assert.notEqual(again.userId, user.userId);
      assert.equal(await store().iam.getPrincipalById(user.userId), undefined);
    });

    it('treats user and role names case-insensitively, keeping the stored spelling', async () => {
      const account = newAccount();
      const user = makeUser(account, 'Bob');
      await store().iam.createUser(user);
      assert.equal(await store().iam.createUser(makeUser(account, 'BOB')), false);
      assert.deepEqual(await store().iam.getUser(account, 'bob'), user);
      const role = makeRole(account, 'Deploy');
      await store().iam.createRole(role);
      assert.equal(await store().iam.createRole(makeRole(account, 'deploy', '/other/')), false);
      assert.deepEqual(await store().iam.getRole(account, 'DEPLOY'), role);
      assert.equal(await store().iam.deleteRole(account, 'deploy'), true);
      assert.equal(await store().iam.getRole(account, 'Deploy'), undefined);
    });

    it('round-trips roles and replaces the trust policy', async () => {
      const account = newAccount();
      const role = { ...makeRole(account, 'r1', '/svc/'), description: 'ünïcödé', maxSessionDuration: 43200 };
      assert.equal(await store().iam.createRole(role), true);
      assert.deepEqual(await store().iam.getRole(account, 'r1'), role);
      assert.equal(await store().iam.updateAssumeRolePolicy(account, 'r1', '{"x":1}'), true);
      assert.equal((await store().iam.getRole(account, 'r1'))?.assumeRolePolicyDocument, '{"x":1}');
      assert.equal(await store().iam.updateAssumeRolePolicy(account, 'missing', '{}'), false);
      await store().iam.createRole(makeRole(account, 'a0'));
      assert.deepEqual((await store().iam.listRoles(account)).map((r) => r.roleName), ['a0', 'r1']);
    });

    it('keeps inline policies per identity: put replaces, list is sorted, delete reports absence', async () => {
      const account = newAccount();
      await store().iam.createUser(makeUser(account, 'u'));
      await store().iam.createRole(makeRole(account, 'u'));
      await store().iam.putInlinePolicy(account, 'user', 'u', { name: 'b', document: DOC('kms:Encrypt') });
      await store().iam.putInlinePolicy(account, 'user', 'u', { name: 'a', document: DOC('kms:Decrypt') });
      await store().iam.putInlinePolicy(account, 'user', 'u', { name: 'b', document: DOC('kms:*') });
      await store().iam.putInlinePolicy(account, 'role', 'u', { name: 'r', document: DOC('s3:*') });
      assert.deepEqual(await store().iam.listInlinePolicies(account, 'user', 'u'), ['a', 'b']);
      assert.equal(await store().iam.getInlinePolicy(account, 'user', 'u', 'b'), DOC('kms:*'));
      assert.equal(await store().iam.getInlinePolicy(account, 'user', 'u', 'r'), undefined);
      assert.deepEqual(await store().iam.listInlinePolicies(account, 'role', 'u'), ['r']);
      assert.equal(await store().iam.deleteInlinePolicy(account, 'user', 'u', 'a'), true);
      assert.equal(await store().iam.deleteInlinePolicy(account, 'user', 'u', 'a'), false);
      assert.deepEqual(await store().iam.listInlinePolicies(account, 'user', 'u'), ['b']);
    });

    it('forgets inline policies and attachments of a deleted identity', async () => {
      const account = newAccount();
      const policy = makePolicy(account, 'p');
      await store().iam.createPolicy(policy, DOC('kms:*'));
      await store().iam.createUser(makeUser(account, 'gone'));
      await store().iam.putInlinePolicy(account, 'user', 'gone', { name: 'i', document: DOC('s3:*') });
      await store().iam.attachPolicy(account, 'user', 'gone', policy.arn);
      assert.equal(await store().iam.deleteUser(account, 'gone'), true);
      await store().iam.createUser(makeUser(account, 'gone'));
      assert.deepEqual(await store().iam.identityPolicies(account, 'user', 'gone'), []);
      assert.equal(await store().iam.attachmentCount(policy.arn), 0);
    });
  });
}

function policies(store: () => Store): void {
  describe('managed policies and attachments', () => {
    it('creates a policy with v1 as default version, refusing a duplicate ARN or name', async () => {
      const account = newAccount();
      const policy = makePolicy(account, 'Readers', '/app/');
      assert.equal(await store().iam.createPolicy(policy, DOC('kms:Decrypt')), true);
      assert.deepEqual(await store().iam.getPolicy(policy.arn), policy);
      assert.deepEqual(await store().iam.getPolicyVersion(policy.arn, 'v1'), {
        policyArn: policy.arn, versionId: 'v1', document: DOC('kms:Decrypt'), isDefaultVersion: true, createDate: T0,
      });
      assert.equal(await store().iam.getPolicyVersion(policy.arn, 'v2'), undefined);
      assert.equal(await store().iam.createPolicy(policy, DOC('s3:*')), false);
      assert.equal(await store().iam.createPolicy(makePolicy(account, 'readers'), DOC('s3:*')), false);
      assert.equal((await store().iam.getPolicyVersion(policy.arn, 'v1'))?.document, DOC('kms:Decrypt'));
      assert.equal(await store().iam.getPolicy(`arn:aws:iam::${account}:policy/none`), undefined);
    });

    it('lists policies of one account alphabetically', async () => {
      const account = newAccount();
      for (const n of ['zeta', 'Alpha', 'beta']) await store().iam.createPolicy(makePolicy(account, n), DOC('kms:*'));
      await store().iam.createPolicy(makePolicy(newAccount(), 'other'), DOC('kms:*'));
      assert.deepEqual((await store().iam.listPolicies(account)).map((p) => p.policyName), ['Alpha', 'beta', 'zeta']);
    });

    it('attaches idempotently, lists in attachment order, counts, detaches', async () => {
      const account = newAccount();
      const [p1, p2] = [makePolicy(account, 'p1'), makePolicy(account, 'p2')];
      await store().iam.createPolicy(p2, DOC('s3:*'));
      await store().iam.createPolicy(p1, DOC('kms:*'));
      await store().iam.attachPolicy(account, 'user', 'u', p2.arn);
      await store().iam.attachPolicy(account, 'user', 'u', p1.arn);
      await store().iam.attachPolicy(account, 'user', 'u', p2.arn);
      await store().iam.attachPolicy(account, 'role', 'r', p2.arn);
      assert.deepEqual((await store().iam.listAttachedPolicies(account, 'user', 'u')).map((p) => p.policyName), ['p2', 'p1']);
      assert.deepEqual(await store().iam.listAttachedPolicies(account, 'user', 'u'), [p2, p1]);
      assert.equal(await store().iam.attachmentCount(p2.arn), 2);
      assert.equal(await store().iam.detachPolicy(account, 'user', 'u', p2.arn), true);
      assert.equal(await store().iam.detachPolicy(account, 'user', 'u', p2.arn), false);
      assert.equal(await store().iam.attachmentCount(p2.arn), 1);
      assert.equal(await store().iam.attachmentCount(p1.arn), 1);
    });

    it('gives identity policies: inline (by name) then attached default versions (in attachment order)', async () => {
      const account = newAccount();
      const managed = makePolicy(account, 'Managed');
      await store().iam.createPolicy(managed, DOC('kms:Encrypt'));
      await store().iam.putInlinePolicy(account, 'role', 'r', { name: 'z', document: DOC('kms:Decrypt') });
      await store().iam.putInlinePolicy(account, 'role', 'r', { name: 'a', document: DOC('kms:List*') });
      await store().iam.attachPolicy(account, 'role', 'r', managed.arn);
      assert.deepEqual(await store().iam.identityPolicies(account, 'role', 'r'), [
        { name: 'a', document: DOC('kms:List*') },
        { name: 'z', document: DOC('kms:Decrypt') },
        { name: 'Managed', document: DOC('kms:Encrypt') },
      ]);
      assert.deepEqual(await store().iam.identityPolicies(account, 'user', 'r'), []);
    });

    it('deletes a policy with its versions and attachments', async () => {
      const account = newAccount();
      const p = makePolicy(account, 'doomed');
      await store().iam.createPolicy(p, DOC('kms:*'));
      await store().iam.attachPolicy(account, 'user', 'u', p.arn);
      assert.equal(await store().iam.deletePolicy(p.arn), true);
      assert.equal(await store().iam.deletePolicy(p.arn), false);
      assert.equal(await store().iam.getPolicy(p.arn), undefined);
      assert.equal(await store().iam.getPolicyVersion(p.arn, 'v1'), undefined);
      assert.deepEqual(await store().iam.listAttachedPolicies(account, 'user', 'u'), []);
      assert.equal(await store().iam.createPolicy(p, DOC('s3:*')), true);
      assert.equal((await store().iam.getPolicyVersion(p.arn, 'v1'))?.document, DOC('s3:*'));
    });
  });
}

function sessions(store: () => Store): void {
  describe('sts sessions', () => {
    it('round-trips every field, with and without a session name', async () => {
      const account = newAccount();
      const s = makeSession(account);
      await store().sessions.put(s);
      assert.deepEqual(await store().sessions.get(s.accessKeyId), s);
      const { sessionName: _omitted, ...noName } = makeSession(account, { principalType: 'IAMUser', sessionPolicies: [] });
      await store().sessions.put(noName);
      assert.deepEqual(await store().sessions.get(noName.accessKeyId), noName);
      const withIssuer = makeSession(account, { issuerId: 'AROAEXAMPLE' });
      await store().sessions.put(withIssuer);
      assert.deepEqual(await store().sessions.get(withIssuer.accessKeyId), withIssuer);
      assert.equal(await store().sessions.get('ASIAUNKNOWNUNKNOWN00'), undefined);
    });

    it('round-trips session tags and transitive tag keys, keeping key spelling and order', async () => {
      const account = newAccount();
      const s = makeSession(account, { tags: { Team: 'blue', 'cost:center': '', __proto__x: 'y' }, transitiveTagKeys: ['Team'] });
      await store().sessions.put(s);
      const got = await store().sessions.get(s.accessKeyId);
      assert.deepEqual(got, s);
      assert.deepEqual(Object.keys(got!.tags), ['Team', 'cost:center', '__proto__x']);
      const proto = makeSession(account, { tags: JSON.parse('{"__proto__":"v"}') as Record<string, string> });
      await store().sessions.put(proto);
      assert.deepEqual(Object.entries((await store().sessions.get(proto.accessKeyId))!.tags), [['__proto__', 'v']]);
    });

    it('refuses a second session with the same access key id', async () => {
      const s = makeSession(newAccount());
      await store().sessions.put(s);
      await assert.rejects(store().sessions.put({ ...s, issuerName: 'other' }));
      assert.equal((await store().sessions.get(s.accessKeyId))?.issuerName, 'R');
    });

    it('purges sessions that expired before now, and only those', async () => {
      const account = newAccount();
      const old = makeSession(account, { expiration: at(-5000) });
      const edge = makeSession(account, { expiration: at(0) });
      const live = makeSession(account, { expiration: at(1) });
      for (const s of [old, edge, live]) await store().sessions.put(s);
      assert.ok((await store().sessions.purgeExpired(T0)) >= 1);
      assert.equal(await store().sessions.get(old.accessKeyId), undefined);
      assert.deepEqual(await store().sessions.get(edge.accessKeyId), edge);
      assert.deepEqual(await store().sessions.get(live.accessKeyId), live);
    });
  });
}
