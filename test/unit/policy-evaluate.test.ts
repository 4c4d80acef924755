import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessDeniedMessage, evaluateIdentityAccess, evaluateKmsAccess } from '../../src/policy/evaluate.js';
import type { Decision, PolicyInput, RequestContext, RequestPrincipal } from '../../src/policy/types.js';

const ACCT = '111122223333';
const OTHER = '444455556666';
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const user = (account: string, name: string): RequestPrincipal => ({
  arn: `arn:aws:iam::${account}:user/${name}`, account, type: 'IAMUser', userName: name, userId: `AIDA${name.toUpperCase().padEnd(16, 'X')}`,
});
const alice = user(ACCT, 'alice');
const dave = user(ACCT, 'dave');
const bob = user(OTHER, 'bob');
const carol = user(OTHER, 'carol');
const root: RequestPrincipal = { arn: `arn:aws:iam::${ACCT}:root`, account: ACCT, type: 'Root' };
const session: RequestPrincipal = {
  arn: `arn:aws:sts::${ACCT}:assumed-role/app/s1`, account: ACCT, type: 'AssumedRole', roleArn: `arn:aws:iam::${ACCT}:role/team/app`, userId: 'AROAAPPEXAMPLE000001:s1',
};
const s3: RequestPrincipal = { arn: 's3.amazonaws.com', account: '', type: 'Service', service: 's3.amazonaws.com' };

const keyPolicy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Id: 'key-policy', Statement: statements });
const iam = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (principal: unknown, action: unknown = 'kms:*', extra: object = {}) => ({ Effect: 'Allow', Principal: principal, Action: action, Resource: '*', ...extra });
const deny = (principal: unknown, action: unknown = 'kms:*', extra: object = {}) => ({ Effect: 'Deny', Principal: principal, Action: action, Resource: '*', ...extra });

const DEFAULT = keyPolicy(allow({ AWS: `arn:aws:iam::${ACCT}:root` }));
const DIRECT_ALICE = keyPolicy(allow({ AWS: alice.arn }, 'kms:Decrypt'));
const NONE = keyPolicy(allow({ AWS: `arn:aws:iam::${ACCT}:user/admin` }));
const CROSS = keyPolicy(allow({ AWS: `arn:aws:iam::${ACCT}:root` }), allow({ AWS: OTHER }, ['kms:Decrypt', 'kms:Encrypt']));
const CROSS_BOB = keyPolicy(allow({ AWS: `arn:aws:iam::${ACCT}:root` }), allow({ AWS: bob.arn }, 'kms:Decrypt'));
const IAM_ALLOW = iam({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY });
const IAM_ALLOW_ALL = iam({ Effect: 'Allow', Action: 'kms:*', Resource: '*' });
const IAM_DENY = iam({ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' });

function req(principal: RequestPrincipal, action = 'kms:Decrypt', conditionKeys: RequestContext['conditionKeys'] = {}): RequestContext {
  return { principal, action, resource: KEY, resourceAccount: ACCT, conditionKeys };
}
function decide(principal: RequestPrincipal, keyPol: string, identity: string[] = [], extra: Partial<PolicyInput> = {}, action = 'kms:Decrypt', keys = {}): Decision {
  return evaluateKmsAccess(req(principal, action, keys), {
    keyPolicy: keyPol, identityPolicies: identity.map((document, i) => ({ name: `p${i}`, document })), ...extra,
  });
}
const allowedBy = (by: string) => ({ allowed: true, by });
const denied = (reason: string) => ({ allowed: false, reason });

describe('same account', () => {
  it('the key policy allows the caller directly: no IAM policy needed', () => {
    assert.deepEqual(decide(alice, DIRECT_ALICE), allowedBy('keyPolicy'));
    assert.deepEqual(decide(alice, DIRECT_ALICE, [], {}, 'kms:Encrypt'), denied('noResourceAllow'));
  });
  it('delegation to the account root + an IAM allow', () => {
    assert.deepEqual(decide(alice, DEFAULT, [IAM_ALLOW]), allowedBy('identityPolicy'));
    assert.deepEqual(decide(alice, keyPolicy(allow({ AWS: ACCT })), [IAM_ALLOW]), allowedBy('identityPolicy'), 'account id form');
  });
  it('delegation without an IAM allow is denied: no identity-based policy allows', () => {
    assert.deepEqual(decide(alice, DEFAULT), denied('noIdentityAllow'));
    assert.deepEqual(decide(alice, DEFAULT, [iam({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' })]), denied('noIdentityAllow'));
  });
  it('an IAM allow without delegation is denied: no resource-based policy allows', () => {
    assert.deepEqual(decide(alice, NONE, [IAM_ALLOW_ALL]), denied('noResourceAllow'));
    assert.deepEqual(decide(alice, NONE), denied('noResourceAllow'));
  });
  it('delegation is per action: the root statement must cover the action', () => {
    const pol = keyPolicy(allow({ AWS: `arn:aws:iam::${ACCT}:root` }, 'kms:Describe*'));
    assert.deepEqual(decide(alice, pol, [IAM_ALLOW_ALL], {}, 'kms:DescribeKey'), allowedBy('identityPolicy'));
    assert.deepEqual(decide(alice, pol, [IAM_ALLOW_ALL], {}, 'kms:Decrypt'), denied('noResourceAllow'));
  });
  it('the account root itself is allowed by a root statement, and by nothing else', () => {
    assert.deepEqual(decide(root, DEFAULT), allowedBy('keyPolicy'));
    assert.deepEqual(decide(root, NONE), denied('noResourceAllow'));
  });
  it('Principal "*" (with kms:CallerAccount) allows directly', () => {
    const pol = keyPolicy(allow({ AWS: '*' }, 'kms:Decrypt', { Condition: { StringEquals: { 'kms:CallerAccount': ACCT } } }));
    assert.deepEqual(decide(dave, pol), allowedBy('keyPolicy'));
    assert.deepEqual(decide(bob, pol, [IAM_ALLOW]), denied('noResourceAllow'));
  });
});

describe('explicit denies win', () => {
  it('in the key policy, over a direct allow, delegation and grants', () => {
    const pol = keyPolicy(allow({ AWS: `arn:aws:iam::${ACCT}:root` }), allow({ AWS: alice.arn }), deny({ AWS: alice.arn }, 'kms:Decrypt'));
    assert.deepEqual(decide(alice, pol, [IAM_ALLOW]), denied('explicitDenyResource'));
    assert.deepEqual(decide(alice, pol, [], { grantsAllow: true }), denied('explicitDenyResource'));
    assert.deepEqual(decide(alice, pol, [IAM_ALLOW], {}, 'kms:Encrypt'), allowedBy('keyPolicy'));
  });
  it('a key-policy Deny naming the account applies to all its principals', () => {
    const pol = keyPolicy(allow({ AWS: alice.arn }), deny({ AWS: ACCT }, 'kms:Decrypt'));
    assert.deepEqual(decide(alice, pol), denied('explicitDenyResource'));
    assert.deepEqual(decide(session, pol), denied('explicitDenyResource'));
  });
  it('in an identity policy, over a direct key-policy allow and grants', () => {
    assert.deepEqual(decide(alice, DIRECT_ALICE, [IAM_DENY]), denied('explicitDenyIdentity'));
    assert.deepEqual(decide(alice, DEFAULT, [IAM_ALLOW, IAM_DENY], { grantsAllow: true }), denied('explicitDenyIdentity'));
  });
  it('reports the resource-based deny first when both deny', () => {
    const pol = keyPolicy(allow({ AWS: alice.arn }), deny('*', 'kms:Decrypt'));
    assert.deepEqual(decide(alice, pol, [IAM_DENY]), denied('explicitDenyResource'));
  });
  it('a Deny whose condition does not match does not deny', () => {
    const pol = keyPolicy(allow({ AWS: alice.arn }), deny('*', 'kms:*', { Condition: { StringEquals: { 'kms:EncryptionContext:stage': 'restricted' } } }));
    assert.deepEqual(decide(alice, pol, [], {}, 'kms:Decrypt', { 'kms:EncryptionContext:stage': 'test' }), allowedBy('keyPolicy'));
    assert.deepEqual(decide(alice, pol, [], {}, 'kms:Decrypt', { 'kms:EncryptionContext:Stage': 'restricted' }), denied('explicitDenyResource'));
  });
});

describe('cross account', () => {
  it('needs both the key policy and the caller’s IAM policy', () => {
    assert.deepEqual(decide(bob, CROSS, [IAM_ALLOW]), allowedBy('identityPolicy'));
    assert.deepEqual(decide(bob, CROSS), denied('noIdentityAllow'));
    assert.deepEqual(decide(bob, DEFAULT, [IAM_ALLOW]), denied('noResourceAllow'));
    assert.deepEqual(decide(bob, CROSS, [IAM_ALLOW_ALL], {}, 'kms:ScheduleKeyDeletion'), denied('noResourceAllow'));
  });
  it('a key policy naming the external principal still needs its IAM policy', () => {
    assert.deepEqual(decide(bob, CROSS_BOB, [IAM_ALLOW]), allowedBy('identityPolicy'));
    assert.deepEqual(decide(bob, CROSS_BOB), denied('noIdentityAllow'));
    assert.deepEqual(decide(carol, CROSS_BOB, [IAM_ALLOW]), denied('noResourceAllow'), 'only the named principal');
  });
  it('the IAM policy must name this key', () => {
    const other = iam({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: `arn:aws:kms:us-east-1:${ACCT}:key/other` });
    assert.deepEqual(decide(bob, CROSS, [other]), denied('noIdentityAllow'));
  });
  it('explicit denies on either side', () => {
    assert.deepEqual(decide(bob, CROSS, [IAM_ALLOW, IAM_DENY]), denied('explicitDenyIdentity'));
    const pol = keyPolicy(allow({ AWS: OTHER }), deny({ AWS: bob.arn }, 'kms:Decrypt'));
    assert.deepEqual(decide(bob, pol, [IAM_ALLOW]), denied('explicitDenyResource'));
  });
});

describe('grants', () => {
  it('are an alternative allow, in the same account and across accounts', () => {
    assert.deepEqual(decide(alice, NONE, [], { grantsAllow: true, grantId: 'g-1' }), { allowed: true, by: 'grant', grantId: 'g-1' });
    assert.deepEqual(decide(bob, NONE, [], { grantsAllow: true }), allowedBy('grant'));
  });
  it('do not override explicit denies', () => {
    assert.deepEqual(decide(alice, keyPolicy(deny('*', 'kms:Decrypt')), [], { grantsAllow: true }), denied('explicitDenyResource'));
    assert.deepEqual(decide(bob, NONE, [IAM_DENY], { grantsAllow: true }), denied('explicitDenyIdentity'));
  });
  it('a policy allow is reported before a grant', () => {
    assert.deepEqual(decide(alice, DIRECT_ALICE, [], { grantsAllow: true }), allowedBy('keyPolicy'));
  });
});

describe('role sessions and session policies', () => {
  const roleArn = session.roleArn!;
  const SESSION_ALLOW = iam({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' });
  const SESSION_OTHER = iam({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' });
  it('a key policy naming the role allows its sessions', () => {
    assert.deepEqual(decide(session, keyPolicy(allow({ AWS: roleArn }, 'kms:Decrypt'))), allowedBy('keyPolicy'));
  });
  it('session policies bound key-policy permissions given to the role', () => {
    const pol = keyPolicy(allow({ AWS: roleArn }, 'kms:Decrypt'));
    assert.deepEqual(decide(session, pol, [], { sessionPolicies: [SESSION_OTHER] }), denied('noSessionAllow'));
    assert.deepEqual(decide(session, pol, [], { sessionPolicies: [SESSION_ALLOW] }), allowedBy('keyPolicy'));
  });
  it('but not permissions given to the exact session ARN', () => {
    const pol = keyPolicy(allow({ AWS: session.arn }, 'kms:Decrypt'));
    assert.deepEqual(decide(session, pol, [], { sessionPolicies: [SESSION_OTHER] }), allowedBy('keyPolicy'));
  });
  it('identity permissions are the intersection of role and session policies', () => {
    assert.deepEqual(decide(session, DEFAULT, [IAM_ALLOW_ALL], { sessionPolicies: [SESSION_ALLOW] }), allowedBy('identityPolicy'));
    assert.deepEqual(decide(session, DEFAULT, [IAM_ALLOW_ALL], { sessionPolicies: [SESSION_OTHER] }), denied('noSessionAllow'));
    assert.deepEqual(decide(session, DEFAULT, [], { sessionPolicies: [SESSION_ALLOW] }), denied('noIdentityAllow'));
  });
  it('an explicit deny in a session policy', () => {
    const d = decide(session, DEFAULT, [IAM_ALLOW_ALL], { sessionPolicies: [iam({ Effect: 'Deny', Action: 'kms:*', Resource: '*' })] });
    assert.deepEqual(d, denied('explicitDenySession'));
  });
});

describe('service principals', () => {
  it('are allowed only by a key policy naming the service (or a grant)', () => {
    assert.deepEqual(decide(s3, keyPolicy(allow({ Service: 's3.amazonaws.com' }, 'kms:GenerateDataKey'))), denied('noResourceAllow'));
    assert.deepEqual(decide(s3, keyPolicy(allow({ Service: 's3.amazonaws.com' }, 'kms:Decrypt'))), allowedBy('keyPolicy'));
    assert.deepEqual(decide(s3, keyPolicy(allow({ Service: 'logs.amazonaws.com' }))), denied('noResourceAllow'));
    assert.deepEqual(decide(s3, DEFAULT), denied('noResourceAllow'));
    assert.deepEqual(decide(s3, DEFAULT, [], { grantsAllow: true }), allowedBy('grant'));
  });
});

describe('Action, Resource and their negations', () => {
  it('actions match case-insensitively with * and ?', () => {
    assert.deepEqual(decide(alice, keyPolicy(allow({ AWS: alice.arn }, 'KMS:decrypt'))), allowedBy('keyPolicy'));
    const pol = keyPolicy(allow({ AWS: alice.arn }, ['kms:Generate*', 'kms:?ncrypt']));
    assert.deepEqual(decide(alice, pol, [], {}, 'kms:GenerateDataKeyWithoutPlaintext'), allowedBy('keyPolicy'));
    assert.deepEqual(decide(alice, pol, [], {}, 'kms:Encrypt'), allowedBy('keyPolicy'));
    assert.deepEqual(decide(alice, pol, [], {}, 'kms:ReEncryptFrom'), denied('noResourceAllow'));
    assert.deepEqual(decide(alice, keyPolicy(allow({ AWS: alice.arn }, '*'))), allowedBy('keyPolicy'));
  });
  it('resources match case-sensitively with wildcards', () => {
    const pol = (resource: string) => iam({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: resource });
    assert.deepEqual(decide(alice, DEFAULT, [pol(`arn:aws:kms:*:${ACCT}:key/*`)]), allowedBy('identityPolicy'));
    assert.deepEqual(decide(alice, DEFAULT, [pol('arn:aws:kms:us-east-1:111122223333:key/1234abcd-*')]), allowedBy('identityPolicy'));
    assert.deepEqual(decide(alice, DEFAULT, [pol(KEY.replace('1234abcd', '1234ABCD'))]), denied('noIdentityAllow'));
    assert.deepEqual(decide(alice, DEFAULT, [pol(`arn:aws:kms:us-east-1:${ACCT}:alias/*`)]), denied('noIdentityAllow'));
  });
  it('NotAction and NotResource', () => {
    const notAction = iam({ Effect: 'Allow', NotAction: ['kms:ScheduleKeyDeletion', 'kms:Put*'], Resource: '*' });
    assert.deepEqual(decide(alice, DEFAULT, [notAction]), allowedBy('identityPolicy'));
    assert.deepEqual(decide(alice, DEFAULT, [notAction], {}, 'kms:PutKeyPolicy'), denied('noIdentityAllow'));
    const denyOthers = iam({ Effect: 'Deny', Action: 'kms:*', NotResource: KEY });
    assert.deepEqual(decide(alice, DEFAULT, [IAM_ALLOW_ALL, denyOthers]), allowedBy('identityPolicy'));
    const denyThis = iam({ Effect: 'Deny', Action: 'kms:*', NotResource: `arn:aws:kms:*:${ACCT}:key/other` });
    assert.deepEqual(decide(alice, DEFAULT, [IAM_ALLOW_ALL, denyThis]), denied('explicitDenyIdentity'));
  });
});

describe('NotPrincipal', () => {
  it('Deny with NotPrincipal spares only callers whose account, role and ARN are all listed', () => {
    const pol = (...listed: string[]) => keyPolicy(allow({ AWS: `arn:aws:iam::${ACCT}:root` }), allow('*', 'kms:Decrypt'), { Effect: 'Deny', NotPrincipal: { AWS: listed }, Action: 'kms:*', Resource: '*' });
    const acct = `arn:aws:iam::${ACCT}:root`;
    assert.deepEqual(decide(alice, pol(acct, alice.arn)), allowedBy('keyPolicy'));
    assert.deepEqual(decide(dave, pol(acct, alice.arn)), denied('explicitDenyResource'));
    assert.deepEqual(decide(alice, pol(alice.arn)), denied('explicitDenyResource'), 'the account must be listed too');
    assert.deepEqual(decide(session, pol(acct, session.roleArn!, session.arn)), allowedBy('keyPolicy'));
    assert.deepEqual(decide(session, pol(acct, session.arn)), denied('explicitDenyResource'), 'the role must be listed too');
    assert.deepEqual(decide(root, pol(ACCT)), allowedBy('keyPolicy'));
  });
  it('Allow with NotPrincipal allows everyone else', () => {
    const pol = keyPolicy({ Effect: 'Allow', NotPrincipal: { AWS: [`arn:aws:iam::${ACCT}:root`, dave.arn] }, Action: 'kms:Decrypt', Resource: '*' });
    assert.deepEqual(decide(alice, pol), allowedBy('keyPolicy'));
    assert.deepEqual(decide(dave, pol), denied('noResourceAllow'));
  });
});

describe('IAM-only operations', () => {
  it('evaluateIdentityAccess uses identity and session policies only', () => {
    const r = { ...req(alice, 'kms:CreateKey'), resource: '*' };
    assert.deepEqual(evaluateIdentityAccess(r, { identityPolicies: [{ name: 'a', document: IAM_ALLOW_ALL }] }), allowedBy('identityPolicy'));
    assert.deepEqual(evaluateIdentityAccess(r, { identityPolicies: [] }), denied('noIdentityAllow'));
    assert.deepEqual(evaluateIdentityAccess(r, { identityPolicies: [{ name: 'a', document: IAM_ALLOW_ALL }, { name: 'd', document: iam({ Effect: 'Deny', Action: 'kms:Create*', Resource: '*' }) }] }), denied('explicitDenyIdentity'));
    assert.deepEqual(evaluateIdentityAccess(r, { identityPolicies: [{ name: 'a', document: IAM_ALLOW_ALL }], sessionPolicies: [IAM_DENY] }), denied('noSessionAllow'));
  });
});

describe('malformed stored policies', () => {
  it('throw MalformedPolicyDocumentException rather than deciding', () => {
    assert.throws(() => decide(alice, '{', []), { name: 'MalformedPolicyDocumentException' });
    assert.throws(() => decide(alice, DEFAULT, [keyPolicy(allow('*'))]), { name: 'MalformedPolicyDocumentException' });
  });
});

describe('accessDeniedMessage', () => {
  const r = req(alice);
  const head = `User: ${alice.arn} is not authorized to perform: kms:Decrypt on resource: ${KEY}`;
  it('uses AWS’s forms', () => {
    assert.equal(accessDeniedMessage(r, { allowed: false, reason: 'noIdentityAllow' }), `${head} because no identity-based policy allows the kms:Decrypt action`);
    assert.equal(accessDeniedMessage(r, { allowed: false, reason: 'noResourceAllow' }), `${head} because no resource-based policy allows the kms:Decrypt action`);
    assert.equal(accessDeniedMessage(r, { allowed: false, reason: 'noSessionAllow' }), `${head} because no session policy allows the kms:Decrypt action`);
    assert.equal(accessDeniedMessage(r, { allowed: false, reason: 'explicitDenyResource' }), `${head} with an explicit deny in a resource-based policy`);
    assert.equal(accessDeniedMessage(r, { allowed: false, reason: 'explicitDenyIdentity' }), `${head} with an explicit deny in an identity-based policy`);
    assert.equal(accessDeniedMessage(r, { allowed: false, reason: 'explicitDenySession' }), `${head} with an explicit deny in a session policy`);
  });
  it('names the session ARN for role sessions', () => {
    const d = decide(session, DEFAULT);
    assert.equal(d.allowed, false);
    assert.match(accessDeniedMessage(req(session), d as Decision & { allowed: false }), /^User: arn:aws:sts::111122223333:assumed-role\/app\/s1 is not authorized/);
  });
});
