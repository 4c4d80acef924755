import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateKmsAccess } from '../../src/policy/evaluate.js';
import { explainKmsAccess } from '../../src/policy/explain.js';
import type { PolicyInput, RequestContext, RequestPrincipal } from '../../src/policy/types.js';

const ACCT = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const alice: RequestPrincipal = { arn: `arn:aws:iam::${ACCT}:user/alice`, account: ACCT, type: 'IAMUser', userName: 'alice' };

const keyPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
    { Sid: 'Admins', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/admin` }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'DenyRestricted', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:stage': 'restricted' } },
    },
  ],
});
const identity = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Encrypt', Effect: 'Allow', Action: 'kms:Encrypt', Resource: KEY },
    { Sid: 'OtherKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: `arn:aws:kms:us-east-1:${ACCT}:key/other` },
    {
      Sid: 'OwnContext', Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY,
      Condition: { StringEquals: { 'kms:EncryptionContext:owner': '${aws:username}' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    },
  ],
});

const request = (keys: RequestContext['conditionKeys']): RequestContext => ({
  principal: alice, action: 'kms:Decrypt', resource: KEY, resourceAccount: ACCT, conditionKeys: keys,
});
const policies: PolicyInput = { keyPolicy, identityPolicies: [{ name: 'app-policy', document: identity }] };

describe('explainKmsAccess', () => {
  it('reports every statement and why it did not match', () => {
    const r = request({ 'kms:EncryptionContext:owner': 'bob', 'kms:EncryptionContext:stage': 'test', 'aws:SourceIp': '192.168.1.1' });
    const x = explainKmsAccess(r, policies);
    assert.deepEqual(x.decision, { allowed: false, reason: 'noIdentityAllow' });
    assert.deepEqual(x.decision, evaluateKmsAccess(r, policies));
    assert.equal(x.message, `User: ${alice.arn} is not authorized to perform: kms:Decrypt on resource: ${KEY} because no identity-based policy allows the kms:Decrypt action`);
    assert.equal(x.crossAccount, false);
    assert.deepEqual(x.policies.map((p) => [p.kind, p.name, p.statements.length]), [['keyPolicy', 'default', 3], ['identityPolicy', 'app-policy', 3]]);

    const [root, admins, denyRestricted] = x.policies[0].statements;
    assert.equal(root.matched, true);
    assert.deepEqual(root.principal, { element: 'Principal', expected: { AWS: [`arn:aws:iam::${ACCT}:root`] }, actual: alice.arn, matched: true, grantsTo: 'account' });
    assert.equal(admins.matched, false);
    assert.equal(admins.principal!.grantsTo, 'none');
    assert.deepEqual(admins.reasons, [`${alice.arn} is not named in Principal (nor is its account)`]);
    assert.equal(denyRestricted.matched, false);
    assert.deepEqual(denyRestricted.conditions, [
      { operator: 'StringEquals', key: 'kms:EncryptionContext:stage', matched: false, actual: ['test'], expected: ['restricted'] },
    ]);

    const [encrypt, otherKey, own] = x.policies[1].statements;
    assert.equal(encrypt.principal, undefined);
    assert.deepEqual(encrypt.action, { element: 'Action', expected: ['kms:Encrypt'], actual: 'kms:Decrypt', matched: false });
    assert.deepEqual(encrypt.reasons, ['kms:Decrypt does not match Action ["kms:Encrypt"]']);
    assert.equal(otherKey.resource.matched, false);
    assert.match(otherKey.reasons[0], /does not match Resource/);
    assert.equal(own.sid, 'OwnContext');
    assert.equal(own.action.matched && own.resource.matched, true);
    assert.deepEqual(own.conditions, [
      { operator: 'StringEquals', key: 'kms:EncryptionContext:owner', matched: false, actual: ['bob'], expected: ['${aws:username}'], resolvedExpected: ['alice'] },
      { operator: 'IpAddress', key: 'aws:SourceIp', matched: false, actual: ['192.168.1.1'], expected: ['10.0.0.0/8'] },
    ]);
    assert.equal(own.reasons.length, 2);
    assert.match(own.reasons[0], /request value \["bob"\] does not satisfy \["alice"\]/);
  });

  it('shows the allowing statement and reports absent keys', () => {
    const r = request({ 'kms:EncryptionContext:owner': 'alice', 'aws:SourceIp': '10.1.2.3' });
    const x = explainKmsAccess(r, policies);
    assert.deepEqual(x.decision, { allowed: true, by: 'identityPolicy' });
    assert.equal(x.message, undefined);
    assert.equal(x.policies[1].statements[2].matched, true);
    assert.deepEqual(x.policies[1].statements[2].reasons, []);
    const deny = x.policies[0].statements[2];
    assert.equal(deny.conditions[0].actual, null);
    assert.match(deny.reasons[0], /key is absent from the request/);
  });

  it('explains an explicit deny', () => {
    const x = explainKmsAccess(request({ 'kms:EncryptionContext:stage': 'restricted' }), policies);
    assert.deepEqual(x.decision, { allowed: false, reason: 'explicitDenyResource' });
    assert.match(x.message!, /with an explicit deny in a resource-based policy$/);
    assert.equal(x.policies[0].statements[2].matched, true);
  });

  it('reports resolved Resource variables and NotAction', () => {
    const doc = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', NotAction: 'kms:Decrypt', Resource: `arn:aws:kms:us-east-1:${ACCT}:key/\${aws:PrincipalTag/key}` }],
    });
    const x = explainKmsAccess(request({}), { keyPolicy, identityPolicies: [{ name: 'v', document: doc }] });
    const s = x.policies[1].statements[0];
    assert.deepEqual(s.action, { element: 'NotAction', expected: ['kms:Decrypt'], actual: 'kms:Decrypt', matched: false });
    assert.equal(s.reasons[0], 'kms:Decrypt is listed in NotAction ["kms:Decrypt"]');
    assert.deepEqual(s.resource.resolved, [null]);
  });

  it('reports malformed policies instead of throwing, and is JSON-serializable', () => {
    const x = explainKmsAccess(request({}), { keyPolicy, identityPolicies: [{ name: 'broken', document: '{' }], grantsAllow: true, grantId: 'g1' });
    assert.equal(x.decision, null);
    assert.equal(x.error, 'Syntax errors in policy.');
    assert.deepEqual(x.policies[1], { kind: 'identityPolicy', name: 'broken', error: 'Syntax errors in policy.', statements: [] });
    assert.deepEqual(x.grant, { allowed: true, grantId: 'g1' });
    assert.deepEqual(JSON.parse(JSON.stringify(x)), x);
  });

  it('grant decisions and session policies', () => {
    const session = JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' } });
    const x = explainKmsAccess(request({}), { keyPolicy, identityPolicies: [], sessionPolicies: [session], grantsAllow: true, grantId: 'g2' });
    assert.deepEqual(x.decision, { allowed: true, by: 'grant', grantId: 'g2' });
    assert.equal(x.policies[1].kind, 'sessionPolicy');
    assert.equal(x.policies[1].statements[0].matched, false);
  });
});
