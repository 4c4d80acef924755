import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateKmsAccess } from '../../src/policy/evaluate.js';
import type { ContextValue, RequestPrincipal } from '../../src/policy/types.js';

const ACCT = '111122223333';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/${KEY_ID}`;
const DEFAULT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' }] });
const alice: RequestPrincipal = { arn: `arn:aws:iam::${ACCT}:user/alice`, account: ACCT, type: 'IAMUser', userName: 'alice', userId: 'AIDAALICEEXAMPLE0001' };
const session: RequestPrincipal = {
  arn: `arn:aws:sts::${ACCT}:assumed-role/app/s1`, account: ACCT, type: 'AssumedRole', roleArn: `arn:aws:iam::${ACCT}:role/app`, userId: 'AROAAPPEXAMPLE000001:s1',
};

/** Is alice (or `principal`) allowed kms:Decrypt by an identity policy with this statement? */
function allowed(statement: object, keys: Record<string, ContextValue> = {}, version = '2012-10-17', principal = alice): boolean {
  const document = JSON.stringify({ Version: version, Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', ...statement }] });
  const d = evaluateKmsAccess(
    { principal, action: 'kms:Decrypt', resource: KEY, resourceAccount: ACCT, conditionKeys: keys },
    { keyPolicy: DEFAULT, identityPolicies: [{ name: 'p', document }] },
  );
  return d.allowed;
}
const ec = (key: string, value: unknown) => ({ Condition: { StringEquals: { [`kms:EncryptionContext:${key}`]: value } } });

describe('policy variables', () => {
  it('${aws:username} in a condition value (key names case-insensitive)', () => {
    assert.equal(allowed(ec('user', '${aws:username}'), { 'kms:EncryptionContext:user': 'alice' }), true);
    assert.equal(allowed(ec('user', '${AWS:UserName}'), { 'kms:EncryptionContext:user': 'alice' }), true);
    assert.equal(allowed(ec('user', '${aws:username}'), { 'kms:EncryptionContext:user': 'bob' }), false);
  });
  it('${aws:PrincipalTag/x} and other request keys', () => {
    const keys = { 'aws:PrincipalTag/team': 'red', 'kms:EncryptionContext:team': 'red' };
    assert.equal(allowed(ec('team', '${aws:PrincipalTag/team}'), keys), true);
    assert.equal(allowed(ec('team', '${aws:PrincipalTag/team}'), { ...keys, 'aws:PrincipalTag/team': 'blue' }), false);
  });
  it('a substituted value is literal, never a wildcard', () => {
    const like = { Condition: { StringLike: { 'kms:EncryptionContext:project': '${aws:PrincipalTag/team}-*' } } };
    assert.equal(allowed(like, { 'aws:PrincipalTag/team': 'a*', 'kms:EncryptionContext:project': 'abc-1' }), false);
    assert.equal(allowed(like, { 'aws:PrincipalTag/team': 'a*', 'kms:EncryptionContext:project': 'a*-1' }), true);
  });
  it("${key, 'default'} supplies a value when the key is absent", () => {
    const c = ec('team', "${aws:PrincipalTag/team, 'shared'}");
    assert.equal(allowed(c, { 'kms:EncryptionContext:team': 'shared' }), true);
    assert.equal(allowed(c, { 'kms:EncryptionContext:team': 'red', 'aws:PrincipalTag/team': 'red' }), true);
    assert.equal(allowed(c, { 'kms:EncryptionContext:team': 'shared', 'aws:PrincipalTag/team': 'red' }), false);
  });
  it('a variable with no value matches nothing (negated operators then match)', () => {
    assert.equal(allowed(ec('team', '${aws:PrincipalTag/team}'), { 'kms:EncryptionContext:team': '' }), false);
    const not = { Condition: { StringNotEquals: { 'kms:EncryptionContext:team': '${aws:PrincipalTag/team}' } } };
    assert.equal(allowed(not, { 'kms:EncryptionContext:team': 'red' }), true);
    assert.equal(allowed({ Resource: `arn:aws:kms:us-east-1:${ACCT}:key/\${aws:PrincipalTag/keyid}` }), false);
  });
  it('multivalued keys cannot be variables', () => {
    assert.equal(allowed(ec('team', '${aws:TagKeys}'), { 'aws:TagKeys': ['red'], 'kms:EncryptionContext:team': 'red' }), false);
  });
  it('${*}, ${?} and ${$} stand for the literal characters', () => {
    const like = (v: string) => ({ Condition: { StringLike: { 'kms:EncryptionContext:v': v } } });
    assert.equal(allowed(like('a${*}b'), { 'kms:EncryptionContext:v': 'a*b' }), true);
    assert.equal(allowed(like('a${*}b'), { 'kms:EncryptionContext:v': 'axb' }), false);
    assert.equal(allowed(like('a${?}'), { 'kms:EncryptionContext:v': 'a?' }), true);
    assert.equal(allowed(like('a${?}'), { 'kms:EncryptionContext:v': 'ab' }), false);
    assert.equal(allowed(like('cost${$}*'), { 'kms:EncryptionContext:v': 'cost$100' }), true);
  });
  it('in the Resource element', () => {
    const r = { Resource: `arn:aws:kms:us-east-1:${ACCT}:key/\${aws:PrincipalTag/keyid}` };
    assert.equal(allowed(r, { 'aws:PrincipalTag/keyid': KEY_ID }), true);
    assert.equal(allowed(r, { 'aws:PrincipalTag/keyid': 'other' }), false);
    assert.equal(allowed(r, { 'aws:PrincipalTag/keyid': '*' }), false, 'substituted * is literal');
  });
  it('in ARN operators', () => {
    const c = { Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:user/\${aws:username}` } } };
    assert.equal(allowed(c), true);
    assert.equal(allowed(c, { 'aws:username': 'mallory' }), false);
  });
  it('are literal text in Version 2008-10-17 documents', () => {
    assert.equal(allowed(ec('user', '${aws:username}'), { 'kms:EncryptionContext:user': 'alice' }, '2008-10-17'), false);
    assert.equal(allowed(ec('user', '${aws:username}'), { 'kms:EncryptionContext:user': '${aws:username}' }, '2008-10-17'), true);
  });
});

describe('keys derived from the principal', () => {
  const eq = (key: string, value: string) => ({ Condition: { StringEquals: { [key]: value } } });
  it('users', () => {
    assert.equal(allowed(eq('aws:PrincipalType', 'User')), true);
    assert.equal(allowed(eq('aws:PrincipalArn', alice.arn)), true);
    assert.equal(allowed(eq('aws:PrincipalAccount', ACCT)), true);
    assert.equal(allowed(eq('kms:CallerAccount', ACCT)), true);
    assert.equal(allowed(eq('aws:userid', 'AIDAALICEEXAMPLE0001')), true);
    assert.equal(allowed(eq('aws:ResourceAccount', ACCT)), true);
  });
  it('role sessions: aws:PrincipalArn is the role ARN, no aws:username', () => {
    assert.equal(allowed(eq('aws:PrincipalArn', session.roleArn!), {}, '2012-10-17', session), true);
    assert.equal(allowed(eq('aws:PrincipalType', 'AssumedRole'), {}, '2012-10-17', session), true);
    assert.equal(allowed({ Condition: { Null: { 'aws:username': 'true' } } }, {}, '2012-10-17', session), true);
  });
  it('request keys override derived ones', () => {
    assert.equal(allowed(eq('aws:PrincipalType', 'Custom'), { 'aws:principaltype': 'Custom' }), true);
  });
});
