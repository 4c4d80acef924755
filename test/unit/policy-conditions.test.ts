import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileConditions, evaluateConditions } from '../../src/policy/conditions.js';
import { ConditionContext } from '../../src/policy/context.js';
import type { ContextValue, RequestPrincipal } from '../../src/policy/types.js';

const USER: RequestPrincipal = {
  arn: 'arn:aws:iam::111122223333:user/alice', account: '111122223333', type: 'IAMUser', userName: 'alice', userId: 'AIDAEXAMPLEALICE0001',
};

/** Evaluates a Condition block against condition keys. */
function check(block: object, keys: Record<string, ContextValue | undefined> = {}, variables = true): boolean {
  const ctx = new ConditionContext({
    principal: USER, action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:111122223333:key/k', resourceAccount: '111122223333', conditionKeys: keys,
  });
  return evaluateConditions(compileConditions(block, variables), ctx);
}

const malformed = (block: object) =>
  assert.throws(() => compileConditions(block, true), (e: Error) => e.name === 'MalformedPolicyDocumentException');

describe('string operators', () => {
  it('StringEquals is exact and case-sensitive; several values are ORed', () => {
    const c = { StringEquals: { 'kms:EncryptionContext:app': ['billing', 'payroll'] } };
    assert.equal(check(c, { 'kms:EncryptionContext:app': 'billing' }), true);
    assert.equal(check(c, { 'kms:EncryptionContext:app': 'payroll' }), true);
    assert.equal(check(c, { 'kms:EncryptionContext:app': 'Billing' }), false);
    assert.equal(check(c, {}), false, 'missing key does not match');
  });
  it('StringEquals treats * and ? literally', () => {
    assert.equal(check({ StringEquals: { k: 'a*' } }, { k: 'abc' }), false);
    assert.equal(check({ StringEquals: { k: 'a*' } }, { k: 'a*' }), true);
  });
  it('StringNotEquals is NOR over the values and true when the key is missing', () => {
    const c = { StringNotEquals: { k: ['x', 'y'] } };
    assert.equal(check(c, { k: 'z' }), true);
    assert.equal(check(c, { k: 'x' }), false);
    assert.equal(check(c, { k: 'y' }), false);
    assert.equal(check(c, {}), true);
  });
  it('StringEqualsIgnoreCase / StringNotEqualsIgnoreCase', () => {
    assert.equal(check({ StringEqualsIgnoreCase: { k: 'BiLLing' } }, { k: 'billing' }), true);
    assert.equal(check({ StringEqualsIgnoreCase: { k: 'billing' } }, { k: 'billings' }), false);
    assert.equal(check({ StringNotEqualsIgnoreCase: { k: 'BILLING' } }, { k: 'billing' }), false);
    assert.equal(check({ StringNotEqualsIgnoreCase: { k: 'BILLING' } }, { k: 'other' }), true);
    assert.equal(check({ StringNotEqualsIgnoreCase: { k: 'BILLING' } }, {}), true);
  });
  it('StringLike supports * and ? anywhere, case-sensitively', () => {
    const c = { StringLike: { k: ['team-*', 'x?z'] } };
    assert.equal(check(c, { k: 'team-red' }), true);
    assert.equal(check(c, { k: 'team-' }), true);
    assert.equal(check(c, { k: 'xyz' }), true);
    assert.equal(check(c, { k: 'xz' }), false);
    assert.equal(check(c, { k: 'Team-red' }), false);
    assert.equal(check(c, { k: 'a\nteam-' }), false, 'anchored');
    assert.equal(check({ StringLike: { k: '*' } }, { k: '' }), true);
    assert.equal(check({ StringLike: { k: 'a.c' } }, { k: 'abc' }), false, 'regex metacharacters are literal');
  });
  it('StringNotLike: negated, true when the key is missing', () => {
    assert.equal(check({ StringNotLike: { k: 'dev-*' } }, { k: 'prod-1' }), true);
    assert.equal(check({ StringNotLike: { k: 'dev-*' } }, { k: 'dev-1' }), false);
    assert.equal(check({ StringNotLike: { k: 'dev-*' } }, {}), true);
  });
  it('condition key names are case-insensitive, values are not', () => {
    assert.equal(check({ StringEquals: { 'KMS:EncryptionContext:APP': 'v' } }, { 'kms:encryptioncontext:app': 'v' }), true);
    assert.equal(check({ StringEquals: { 'kms:EncryptionContext:App': 'V' } }, { 'kms:EncryptionContext:App': 'v' }), false);
  });
  it('several keys in one operator and several operators are ANDed', () => {
    const c = { StringEquals: { a: '1', b: '2' }, StringLike: { c: 'x*' } };
    assert.equal(check(c, { a: '1', b: '2', c: 'xy' }), true);
    assert.equal(check(c, { a: '1', b: '3', c: 'xy' }), false);
    assert.equal(check(c, { a: '1', b: '2', c: 'y' }), false);
  });
});

describe('numeric operators', () => {
  it('compare as numbers (integers and decimals, JSON numbers or strings)', () => {
    assert.equal(check({ NumericEquals: { n: '10' } }, { n: 10 }), true);
    assert.equal(check({ NumericEquals: { n: 10 } }, { n: '10.0' }), true);
    assert.equal(check({ NumericNotEquals: { n: '10' } }, { n: 11 }), true);
    assert.equal(check({ NumericNotEquals: { n: '10' } }, { n: 10 }), false);
    assert.equal(check({ NumericLessThan: { n: '10' } }, { n: 9.5 }), true);
    assert.equal(check({ NumericLessThan: { n: '10' } }, { n: 10 }), false);
    assert.equal(check({ NumericLessThanEquals: { n: '10' } }, { n: 10 }), true);
    assert.equal(check({ NumericGreaterThan: { n: '10' } }, { n: 10 }), false);
    assert.equal(check({ NumericGreaterThan: { n: '10' } }, { n: 100 }), true);
    assert.equal(check({ NumericGreaterThanEquals: { n: '-1.5' } }, { n: -1.5 }), true);
  });
  it('a missing or non-numeric request value does not match (negated: matches when missing)', () => {
    assert.equal(check({ NumericLessThan: { n: '10' } }, {}), false);
    assert.equal(check({ NumericLessThan: { n: '10' } }, { n: 'abc' }), false);
    assert.equal(check({ NumericNotEquals: { n: '10' } }, {}), true);
  });
  it('a non-numeric policy value is malformed', () => malformed({ NumericEquals: { n: 'ten' } }));
});

describe('date operators', () => {
  it('accept ISO 8601 and epoch seconds on both sides', () => {
    const c = { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } };
    assert.equal(check(c, { 'aws:CurrentTime': '2029-12-31T23:59:59Z' }), true);
    assert.equal(check(c, { 'aws:CurrentTime': '2030-01-01T00:00:00Z' }), false);
    assert.equal(check(c, { 'aws:CurrentTime': 1893455999 }), true, 'epoch number');
    assert.equal(check({ DateGreaterThan: { 'aws:EpochTime': '1893456000' } }, { 'aws:EpochTime': '2030-01-01T00:00:01Z' }), true);
    assert.equal(check({ DateEquals: { t: '2020-01-01' } }, { t: '2020-01-01T00:00:00Z' }), true);
    assert.equal(check({ DateEquals: { t: '2020-01-01T01:00:00+01:00' } }, { t: '2020-01-01T00:00:00Z' }), true, 'zone offsets');
    assert.equal(check({ DateNotEquals: { t: '2020-01-01' } }, { t: '2021-01-01' }), true);
    assert.equal(check({ DateLessThanEquals: { t: '2020-01-01T00:00:00Z' } }, { t: 1577836800 }), true);
    assert.equal(check({ DateGreaterThanEquals: { t: '2020-01-01T00:00:00Z' } }, { t: 1577836799 }), false);
  });
  it('missing key: false, DateNotEquals true; invalid request value: false', () => {
    assert.equal(check({ DateGreaterThan: { t: '2020-01-01' } }, {}), false);
    assert.equal(check({ DateNotEquals: { t: '2020-01-01' } }, {}), true);
    assert.equal(check({ DateGreaterThan: { t: '2020-01-01' } }, { t: 'yesterday' }), false);
  });
  it('an invalid policy date is malformed', () => malformed({ DateLessThan: { t: 'next tuesday' } }));
});

describe('Bool, BinaryEquals, Null', () => {
  it('Bool matches "true"/"false" text and booleans', () => {
    assert.equal(check({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': true }), true);
    assert.equal(check({ Bool: { 'aws:SecureTransport': true } }, { 'aws:SecureTransport': 'True' }), true);
    assert.equal(check({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': true }), false);
    assert.equal(check({ Bool: { 'aws:SecureTransport': 'false' } }, {}), false);
    assert.equal(check({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }, {}), true);
  });
  it('BinaryEquals compares the bytes of base64 values', () => {
    const c = { BinaryEquals: { b: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } };
    assert.equal(check(c, { b: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' }), true);
    assert.equal(check(c, { b: 'QmluYXJ5' }), false);
    assert.equal(check(c, {}), false);
    malformed({ BinaryEquals: { b: 'not base64!' } });
  });
  it('Null: true means absent, false means present', () => {
    assert.equal(check({ Null: { 'aws:TokenIssueTime': 'true' } }, {}), true);
    assert.equal(check({ Null: { 'aws:TokenIssueTime': 'true' } }, { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' }), false);
    assert.equal(check({ Null: { 'aws:TokenIssueTime': false } }, { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' }), true);
    assert.equal(check({ Null: { 'aws:TokenIssueTime': 'false' } }, {}), false);
    assert.equal(check({ Null: { 'aws:TagKeys': 'true' } }, { 'aws:TagKeys': [] }), true, 'an empty multivalued key is null');
    malformed({ NullIfExists: { k: 'true' } });
    malformed({ 'ForAnyValue:Null': { k: 'true' } });
    malformed({ Null: { k: 'maybe' } });
  });
});

describe('IP address operators (node:net BlockList)', () => {
  it('IPv4 and IPv6 CIDRs, bare addresses are /32 or /128', () => {
    const c = { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:DB8:1234:5678::/64', '198.51.100.7'] } };
    assert.equal(check(c, { 'aws:SourceIp': '203.0.113.200' }), true);
    assert.equal(check(c, { 'aws:SourceIp': '203.0.114.1' }), false);
    assert.equal(check(c, { 'aws:SourceIp': '2001:db8:1234:5678::abcd' }), true);
    assert.equal(check(c, { 'aws:SourceIp': '2001:db8:1234:5679::1' }), false);
    assert.equal(check(c, { 'aws:SourceIp': '198.51.100.7' }), true);
    assert.equal(check(c, { 'aws:SourceIp': '198.51.100.8' }), false);
    assert.equal(check(c, { 'aws:SourceIp': 'not-an-ip' }), false);
    assert.equal(check(c, {}), false);
  });
  it('NotIpAddress is negated and true when the key is missing', () => {
    const c = { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } };
    assert.equal(check(c, { 'aws:SourceIp': '10.1.2.3' }), false);
    assert.equal(check(c, { 'aws:SourceIp': '192.168.0.1' }), true);
    assert.equal(check(c, {}), true);
  });
  it('invalid CIDRs are malformed', () => {
    malformed({ IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } });
    malformed({ IpAddress: { 'aws:SourceIp': '10.0.0/8' } });
  });
});

describe('ARN operators', () => {
  it('match each of the six components separately (unlike StringLike)', () => {
    const pattern = 'arn:aws:someservice:*:111122223333:finance/*';
    const value = 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt';
    assert.equal(check({ StringLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': value }), true);
    assert.equal(check({ ArnLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': value }), false);
    assert.equal(check({ ArnLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': 'arn:aws:someservice:us-east-2:111122223333:finance/a:b' }), true);
  });
  it('ArnEquals behaves like ArnLike; ArnNotEquals/ArnNotLike are negated', () => {
    const arn = 'arn:aws:sns:us-east-1:111122223333:topic';
    assert.equal(check({ ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:*:111122223333:*' } }, { 'aws:SourceArn': arn }), true);
    assert.equal(check({ ArnEquals: { 'aws:SourceArn': arn } }, { 'aws:SourceArn': arn }), true);
    assert.equal(check({ ArnEquals: { 'aws:SourceArn': arn } }, { 'aws:SourceArn': arn.toUpperCase() }), false);
    assert.equal(check({ ArnNotEquals: { 'aws:SourceArn': arn } }, { 'aws:SourceArn': arn }), false);
    assert.equal(check({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:sns:*:999999999999:*' } }, { 'aws:SourceArn': arn }), true);
    assert.equal(check({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:sns:*:999999999999:*' } }, {}), true);
    assert.equal(check({ ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:*' } }, { 'aws:SourceArn': 'not-an-arn' }), false);
  });
});

describe('IfExists and set operators', () => {
  it('…IfExists: true when the key is missing, otherwise the plain check', () => {
    assert.equal(check({ StringEqualsIfExists: { k: 'a' } }, {}), true);
    assert.equal(check({ StringEqualsIfExists: { k: 'a' } }, { k: 'b' }), false);
    assert.equal(check({ StringEqualsIfExists: { k: 'a' } }, { k: 'a' }), true);
    assert.equal(check({ StringNotEqualsIfExists: { k: 'a' } }, { k: 'a' }), false);
    assert.equal(check({ NumericLessThanIfExists: { n: 5 } }, {}), true);
    assert.equal(check({ IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '11.0.0.1' }), false);
  });
  it('ForAnyValue: some request value matches; false for a missing or empty key', () => {
    const c = { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'cost'] } };
    assert.equal(check(c, { 'aws:TagKeys': ['owner', 'team'] }), true);
    assert.equal(check(c, { 'aws:TagKeys': ['owner'] }), false);
    assert.equal(check(c, {}), false);
    assert.equal(check(c, { 'aws:TagKeys': [] }), false);
    assert.equal(check({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'team' } }, {}), false);
  });
  it('ForAllValues: every request value matches; true for a missing key or empty data set', () => {
    const c = { 'ForAllValues:StringLike': { 'aws:TagKeys': ['team', 'cost*'] } };
    assert.equal(check(c, { 'aws:TagKeys': ['team', 'cost-center'] }), true);
    assert.equal(check(c, { 'aws:TagKeys': ['team', 'owner'] }), false);
    assert.equal(check(c, {}), true);
    assert.equal(check(c, { 'aws:TagKeys': '' }), true, 'an empty string is an empty data set');
  });
  it('ForAllValues:StringNotLike (IAM User Guide, multivalued context key examples)', () => {
    const c = { 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } };
    assert.equal(check(c, { 'aws:TagKeys': ['key1:legal'] }), false);
    assert.equal(check(c, { 'aws:TagKeys': ['key1:hr', 'key1:personnel'] }), false);
    assert.equal(check(c, { 'aws:TagKeys': ['key2:audit'] }), true);
    assert.equal(check(c, {}), true);
  });
  it('ForAnyValue with a negated operator: some value matches none of the policy values', () => {
    const c = { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } };
    assert.equal(check(c, { 'aws:TagKeys': ['a', 'c'] }), true);
    assert.equal(check(c, { 'aws:TagKeys': ['a', 'b'] }), false);
  });
  it('a plain operator on a multivalued key never matches (a set operator is required)', () => {
    assert.equal(check({ StringEquals: { 'aws:TagKeys': 'team' } }, { 'aws:TagKeys': ['owner', 'team'] }), false);
    assert.equal(check({ StringEquals: { 'aws:TagKeys': 'team' } }, { 'aws:TagKeys': ['team'] }), false);
    assert.equal(check({ StringNotEquals: { 'aws:TagKeys': 'team' } }, { 'aws:TagKeys': ['owner'] }), false);
  });
  it('unknown operators and set prefixes are malformed, with IAM’s message', () => {
    assert.throws(() => compileConditions({ StringEqualz: { k: 'v' } }, true), { message: 'Invalid Condition type : StringEqualz' });
    malformed({ 'ForSomeValues:StringEquals': { k: 'v' } });
    malformed({ StringEquals: 'v' });
    malformed({ StringEquals: { k: { nested: true } } });
  });
  it('operator names are matched case-insensitively', () => {
    assert.equal(check({ 'foranyvalue:stringequalsifexists': { k: 'a' } }, { k: ['a'] }), true);
  });
});

describe('glob matching (no regular expressions)', () => {
  const like = (pattern: string, value: string) => check({ StringLike: { k: pattern } }, { k: value });
  it('handles anchoring, empty runs and ?', () => {
    assert.equal(like('a*b*c', 'abc'), true);
    assert.equal(like('a*b*c', 'aXbYc'), true);
    assert.equal(like('a*b*c', 'ab'), false);
    assert.equal(like('a*b*c', 'acb'), false);
    assert.equal(like('a**b', 'ab'), true);
    assert.equal(like('a*', 'a'), true);
    assert.equal(like('*a', 'ba'), true);
    assert.equal(like('*a', 'ab'), false);
    assert.equal(like('?*?', 'a'), false);
    assert.equal(like('?*?', 'ab'), true);
    assert.equal(like('a?c*', 'abcdef'), true);
    assert.equal(like('*b?d*', 'abcde'), true);
    assert.equal(like('*b?d*', 'abce'), false);
    assert.equal(like('*ab*ab*', 'abab'), true);
    assert.equal(like('*aab', 'aaab'), true);
  });
  it('stays linear-ish on adversarial patterns', () => {
    const start = performance.now();
    assert.equal(like(`${'*a'.repeat(20)}*b`, 'a'.repeat(8192)), false);
    assert.equal(like(`${'*?a'.repeat(10)}*b`, 'a'.repeat(8192)), false);
    assert.ok(performance.now() - start < 500, 'no catastrophic backtracking');
  });
  it('case-insensitive globs (actions)', () => {
    assert.equal(check({ StringLike: { k: 'x' } }, { k: 'x' }), true);
    assert.equal(check({ StringEqualsIgnoreCase: { k: 'KMS:GENERATE?ATAKEY' } }, { k: 'kms:generate?atakey' }), true);
  });
});
