/**
 * A typical KMS authorization decision: key policy (4 statements, one conditional Deny) + two IAM
 * policies + the grant flag. Run: node --import tsx bench/policy-decision.bench.ts
 */
import { evaluateKmsAccess } from '../src/policy/evaluate.js';
import type { PolicyInput, RequestContext } from '../src/policy/types.js';

const ACCT = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const keyPolicy = JSON.stringify({
  Version: '2012-10-17',
  Id: 'key-consolepolicy-3',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'Allow access for Key Administrators', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/KMSAdmin` },
      Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
      Resource: '*',
    },
    {
      Sid: 'Allow use of the key', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/EncryptionApp` },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*',
    },
    {
      Sid: 'Deny restricted context', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:stage': 'restricted' } },
    },
  ],
});
const iamA = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'ReadOnly', Effect: 'Allow', Action: ['kms:Describe*', 'kms:List*', 'kms:Get*'], Resource: '*' },
    {
      Sid: 'UseAppKeys', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: `arn:aws:kms:*:${ACCT}:key/*`,
      Condition: { StringEquals: { 'kms:EncryptionContext:app': 'billing' }, Bool: { 'aws:SecureTransport': 'true' } },
    },
  ],
});
const iamB = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'NoDeletion', Effect: 'Deny', Action: ['kms:ScheduleKeyDeletion', 'kms:Delete*'], Resource: '*' }],
});

const req: RequestContext = {
  principal: { arn: `arn:aws:iam::${ACCT}:user/alice`, account: ACCT, type: 'IAMUser', userName: 'alice', userId: 'AIDAALICEEXAMPLE0001' },
  action: 'kms:Decrypt',
  resource: KEY,
  resourceAccount: ACCT,
  conditionKeys: { 'kms:EncryptionContext:app': 'billing', 'aws:SecureTransport': true, 'aws:SourceIp': '10.1.2.3', 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' },
};

/** Distinct string objects with the same text, as if read from storage for every request. */
const fresh = (s: string, n: number) => Array.from({ length: n }, () => Buffer.from(s).toString());

function run(label: string, inputs: PolicyInput[], iterations: number): void {
  const check = evaluateKmsAccess(req, inputs[0]);
  if (!check.allowed || check.by !== 'identityPolicy') throw new Error(`unexpected decision ${JSON.stringify(check)}`);
  for (let i = 0; i < 200_000; i++) evaluateKmsAccess(req, inputs[i % inputs.length]); // warm-up
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) if (evaluateKmsAccess(req, inputs[i % inputs.length]).allowed) sink++;
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink !== iterations) throw new Error('decision changed');
  console.log(`${label}: ${(ns / iterations / 1000).toFixed(3)} µs/decision (${iterations} decisions)`);
}

const same: PolicyInput = { keyPolicy, identityPolicies: [{ name: 'a', document: iamA }, { name: 'b', document: iamB }], grantsAllow: false };
run('same policy strings', [same], 2_000_000);

const N = 1000;
const [k, a, b] = [fresh(keyPolicy, N), fresh(iamA, N), fresh(iamB, N)];
const copies = Array.from({ length: N }, (_, i): PolicyInput => ({
  keyPolicy: k[i], identityPolicies: [{ name: 'a', document: a[i] }, { name: 'b', document: b[i] }], grantsAllow: false,
}));
run('fresh policy strings (cache keyed by text)', copies, 1_000_000);
