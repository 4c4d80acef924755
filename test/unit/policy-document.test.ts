import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clearPolicyCache, parsePolicy, policyCacheSize, POLICY_CACHE_LIMIT } from '../../src/policy/document.js';

const KEY_POLICY = 'required' as const;
const IDENTITY = 'forbidden' as const;

const stmt = (extra: object) => ({ Effect: 'Allow', Action: 'kms:*', Resource: '*', ...extra });
const doc = (statements: unknown, extra: object = {}) => JSON.stringify({ Version: '2012-10-17', Statement: statements, ...extra });

function rejects(text: string, principal: 'required' | 'forbidden' | 'optional', message: string | RegExp) {
  assert.throws(
    () => parsePolicy(text, { principal }),
    (e: Error) => {
      assert.equal(e.name, 'MalformedPolicyDocumentException');
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    },
  );
}

describe('parsePolicy: accepted documents', () => {
  it('compiles the default key policy', () => {
    const p = parsePolicy(
      doc([stmt({ Sid: 'Enable IAM User Permissions', Principal: { AWS: 'arn:aws:iam::111122223333:root' } })], { Id: 'key-default-1' }),
      { principal: KEY_POLICY },
    );
    assert.equal(p.version, '2012-10-17');
    assert.equal(p.id, 'key-default-1');
    assert.equal(p.statements.length, 1);
    assert.equal(p.statements[0].sid, 'Enable IAM User Permissions');
    assert.deepEqual([...p.statements[0].principal!.accounts], ['111122223333']);
    assert.deepEqual(p.namedPrincipals, []);
  });
  it('accepts a single Statement object, string or array elements, and no Version (2008-10-17)', () => {
    const p = parsePolicy(JSON.stringify({ Statement: { Effect: 'Deny', Action: ['kms:Decrypt'], Resource: ['*'] } }), { principal: IDENTITY });
    assert.equal(p.version, '2008-10-17');
    assert.equal(p.statements[0].effect, 'Deny');
  });
  it('accepts every principal form', () => {
    const p = parsePolicy(
      doc([
        stmt({
          Principal: {
            AWS: [
              '111122223333',
              'arn:aws:iam::444455556666:root',
              'arn:aws:iam::111122223333:user/division/alice',
              'arn:aws:iam::111122223333:role/app',
              'arn:aws:sts::111122223333:assumed-role/app/session-1',
              'arn:aws:sts::111122223333:federated-user/bob',
              'AIDAJQABLZS4A3QDU576Q',
            ],
            Service: 's3.amazonaws.com',
            Federated: 'cognito-identity.amazonaws.com',
          },
        }),
        stmt({ Principal: '*' }),
        stmt({ Principal: { AWS: '*' } }),
        stmt({ NotPrincipal: { AWS: 'arn:aws:iam::111122223333:role/admin' }, Effect: 'Deny' }),
      ]),
      { principal: KEY_POLICY },
    );
    const s = p.statements[0].principal!;
    assert.deepEqual([...s.accounts].sort(), ['111122223333', '444455556666']);
    assert.ok(s.arns.has('arn:aws:iam::111122223333:root'), 'account ids normalize to root ARNs');
    assert.ok(s.ids.has('AIDAJQABLZS4A3QDU576Q'));
    assert.ok(s.services.has('s3.amazonaws.com'));
    assert.equal(p.statements[1].principal!.any, true);
    assert.equal(p.statements[2].principal!.any, true);
    assert.equal(p.statements[3].notPrincipal, true);
    assert.deepEqual([...p.namedPrincipals].sort(), [
      'arn:aws:iam::111122223333:role/admin',
      'arn:aws:iam::111122223333:role/app',
      'arn:aws:iam::111122223333:user/division/alice',
      'arn:aws:sts::111122223333:assumed-role/app/session-1',
      'arn:aws:sts::111122223333:federated-user/bob',
    ]);
  });
});

describe('parsePolicy: malformed documents', () => {
  it('syntax errors', () => {
    rejects('{not json', KEY_POLICY, 'Syntax errors in policy.');
    rejects('[]', KEY_POLICY, 'Syntax errors in policy.');
    rejects(doc([stmt({ Principal: '*' })], { Extra: 1 }), KEY_POLICY, 'Syntax errors in policy.');
    rejects(doc([stmt({ Principal: '*', Actions: 'kms:*' })]), KEY_POLICY, 'Syntax errors in policy.');
    rejects(doc(['just a string']), KEY_POLICY, 'Syntax errors in policy.');
    rejects(doc([stmt({ Principal: '*', Sid: 7 })]), KEY_POLICY, 'Syntax errors in policy.');
  });
  it('Version, Statement and Effect', () => {
    rejects(doc([stmt({ Principal: '*' })], { Version: '2020-01-01' }), KEY_POLICY, 'The policy document has an invalid Version.');
    rejects(doc([]), KEY_POLICY, 'The policy document must contain a Statement.');
    rejects(JSON.stringify({ Version: '2012-10-17' }), KEY_POLICY, 'The policy document must contain a Statement.');
    rejects(doc([stmt({ Principal: '*', Effect: 'allow' })]), KEY_POLICY, 'Policy contains a statement with an invalid Effect.');
  });
  it('Principal: required in key policies, forbidden in identity policies, validated', () => {
    rejects(doc([stmt({})]), KEY_POLICY, 'Missing required field Principal');
    rejects(doc([stmt({ Principal: '*' })]), IDENTITY, 'Policy document should not specify a principal.');
    rejects(doc([stmt({ NotPrincipal: { AWS: '*' } })]), IDENTITY, 'Policy document should not specify a principal.');
    const invalid = 'Policy contains a statement with one or more invalid principals.';
    for (const principal of [
      {},
      { AWS: [] },
      { AWS: '' },
      { AWS: 'alice' },
      { AWS: '11112222333' },
      { AWS: 'arn:aws:iam::111122223333:user/*' },
      { AWS: 'arn:aws:s3:::bucket' },
      { Unknown: 'x' },
      { Service: 'not a service!' },
      'everyone',
      ['*'],
    ]) {
      rejects(doc([stmt({ Principal: principal })]), KEY_POLICY, invalid);
    }
    rejects(doc([stmt({ Principal: '*', NotPrincipal: '*' })]), KEY_POLICY, 'Syntax errors in policy.');
    assert.ok(parsePolicy(doc([stmt({})]), { principal: 'optional' }));
  });
  it('Action / NotAction', () => {
    rejects(doc([{ Effect: 'Allow', Resource: '*' }]), IDENTITY, 'Policy statement must contain actions.');
    rejects(doc([stmt({ Action: [] })]), IDENTITY, 'Policy statement must contain actions.');
    rejects(doc([stmt({ NotAction: 'kms:Decrypt' })]), IDENTITY, 'Syntax errors in policy.');
    rejects(doc([stmt({ Action: 'Decrypt' })]), IDENTITY, 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    rejects(doc([stmt({ Action: 'kms:Decrypt:x' })]), IDENTITY, 'Actions/Condition can contain only one colon.');
    rejects(doc([stmt({ Action: 'km*:Decrypt' })]), IDENTITY, 'Action vendors must not contain wildcards.');
    rejects(doc([stmt({ Action: 'kms:' })]), IDENTITY, 'Syntax errors in policy.');
    rejects(doc([stmt({ Action: 5 })]), IDENTITY, 'Syntax errors in policy.');
  });
  it('Resource / NotResource', () => {
    rejects(doc([{ Effect: 'Allow', Action: 'kms:*' }]), IDENTITY, 'Policy statement must contain resources.');
    rejects(doc([stmt({ NotResource: '*' })]), IDENTITY, 'Syntax errors in policy.');
    rejects(doc([stmt({ Resource: 'key/1234' })]), IDENTITY, 'Resource key/1234 must be in ARN format or "*".');
  });
  it('Condition', () => {
    rejects(doc([stmt({ Condition: { StringEqualz: { k: 'v' } } })]), IDENTITY, 'Invalid Condition type : StringEqualz');
    rejects(doc([stmt({ Condition: 'x' })]), IDENTITY, 'Syntax errors in policy.');
    rejects(doc([stmt({ Condition: { IpAddress: { 'aws:SourceIp': '300.0.0.1' } } })]), IDENTITY, 'Syntax errors in policy.');
  });
  it('duplicate Sids in an identity policy', () => {
    rejects(doc([stmt({ Sid: 'A' }), stmt({ Sid: 'A' })]), IDENTITY, 'Statement IDs (SID) in a single policy must be unique.');
  });
  it('KMS refuses ForAllValues with kms:EncryptionContext:<key> and aws:RequestTag/<key> in key policies', () => {
    rejects(
      doc([stmt({ Principal: '*', Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContext:Department': 'IT' } } })]),
      KEY_POLICY,
      'OverlyPermissiveCondition:EncryptionContext: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified encryption context or with an unspecified encryption context. To fix, remove ForAllValues.',
    );
    rejects(
      doc([stmt({ Principal: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:RequestTag/team': 'a' } } })]),
      KEY_POLICY,
      /^OverlyPermissiveCondition:RequestTag: /,
    );
    assert.ok(parsePolicy(doc([stmt({ Principal: '*', Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': 'a' } } })]), { principal: KEY_POLICY }));
  });
});

describe('policy cache', () => {
  it('compiles each distinct text once and returns the same object', () => {
    clearPolicyCache();
    const text = doc([stmt({})]);
    const a = parsePolicy(text, { principal: IDENTITY });
    const b = parsePolicy(text, { principal: IDENTITY });
    assert.equal(a, b);
    assert.equal(policyCacheSize(), 1);
  });
  it('caches failures too, and keeps rules apart', () => {
    clearPolicyCache();
    const text = doc([stmt({ Principal: '*' })]);
    assert.ok(parsePolicy(text, { principal: KEY_POLICY }));
    assert.throws(() => parsePolicy(text, { principal: IDENTITY }));
    assert.throws(() => parsePolicy(text, { principal: IDENTITY }), { message: 'Policy document should not specify a principal.' });
    assert.equal(policyCacheSize(), 2);
  });
  it('is bounded', () => {
    clearPolicyCache();
    for (let i = 0; i < POLICY_CACHE_LIMIT + 50; i++) parsePolicy(doc([stmt({ Sid: `s${i}` })]), { principal: IDENTITY });
    assert.equal(policyCacheSize(), POLICY_CACHE_LIMIT);
    clearPolicyCache();
  });
});
