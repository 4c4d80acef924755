import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isReadOnly } from '../../src/audit/record.js';
import { CONTEXT_GRANT_OPERATIONS, KMS_OPERATION_FACTS } from '../../src/model/kms-operation-facts.js';
import { kmsModel } from '../../src/model/kms-model.js';
import { descriptorForPermission, KMS_OPERATION_DESCRIPTORS, KMS_OPERATIONS } from '../../src/services/kms/operations.js';

test('one descriptor per KMS operation of the model, made from its own facts row', () => {
  const names = KMS_OPERATION_DESCRIPTORS.map((d) => d.name);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual([...names].sort(), Object.keys(kmsModel.operations).sort());
  for (const d of KMS_OPERATION_DESCRIPTORS) {
    assert.equal(d.facts, KMS_OPERATION_FACTS[d.name as keyof typeof KMS_OPERATION_FACTS]);
    assert.equal(d.dryRun, d.facts.dryRun);
    if (d.facts.crossAccount !== undefined) assert.equal(d.crossAccount, d.facts.crossAccount, d.name);
    assert.equal(KMS_OPERATIONS[d.name], d.handler);
  }
});

test('the operations that accept another account\'s key (kms-op-permissions.tsv; Encapsulate/Decapsulate declared)', () => {
  assert.deepEqual(KMS_OPERATION_DESCRIPTORS.filter((d) => d.crossAccount).map((d) => d.name).sort(), [
    'CreateGrant', 'Decapsulate', 'Decrypt', 'DeriveSharedSecret', 'DescribeKey', 'Encapsulate', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair',
    'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'GetKeyRotationStatus', 'GetPublicKey', 'ListGrants',
    'ReEncrypt', 'RetireGrant', 'RevokeGrant', 'Sign', 'Verify', 'VerifyMac',
  ]);
});

test('declared facts agree with the lower layers that read them by name (audit readOnly, grant constraints)', () => {
  for (const d of KMS_OPERATION_DESCRIPTORS) {
    assert.equal(d.readOnly, isReadOnly('kms', d.name), `${d.name}: readOnly`);
  }
  const constrained = CONTEXT_GRANT_OPERATIONS.map((g) => descriptorForPermission(g)!.name);
  assert.deepEqual(
    KMS_OPERATION_DESCRIPTORS.filter((d) => d.grantConstraint === 'encryptionContext').map((d) => d.name).sort(),
    [...new Set(constrained)].sort(),
  );
  assert.deepEqual(KMS_OPERATION_DESCRIPTORS.filter((d) => d.algorithmConditionKey).map((d) => d.name).sort(),
    ['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncrypt']);
});

test('key-state rules: a row of the table, its N/A and "?" cells read per operation', () => {
  const key = (state: string) => ({ arn: 'arn:aws:kms:us-east-1:111122223333:key/k', lifecycle: { state } }) as never;
  const refusal = (name: string, state: string) => {
    const r = descriptorForPermission(name)!.keyStates[state as 'Enabled'];
    return r ? `${r(key(state)).name}` : 'ok';
  };
  assert.equal(refusal('Encrypt', 'Disabled'), 'DisabledException');
  assert.equal(refusal('Encrypt', 'PendingReplicaDeletion'), 'KMSInvalidStateException');
  assert.equal(refusal('Encrypt', 'Updating'), 'ok');
  assert.equal(refusal('Sign', 'PendingImport'), 'KMSInvalidStateException'); // N/A, refused
  assert.equal(refusal('ReplicateKey', 'Unavailable'), 'ok'); // N/A, accepted
  assert.equal(refusal('UpdateAlias', 'PendingDeletion'), 'KMSInvalidStateException'); // "?" [10], refused
  assert.equal(refusal('EnableKeyRotation', 'Enabled'), 'ok'); // "?" [7], accepted
  assert.equal(refusal('CancelKeyDeletion', 'Enabled'), 'KMSInvalidStateException');
  assert.equal(refusal('Encapsulate', 'Disabled'), 'DisabledException'); // Encrypt's row
  assert.equal(refusal('RotateKeyOnDemand', 'Disabled'), 'DisabledException'); // EnableKeyRotation's row
  assert.equal(refusal('DescribeKey', 'PendingDeletion'), 'ok');
});

test('IAM, STS and CloudTrail operations are descriptors of the same shape, readOnly as their audit records say', async () => {
  const { IAM_OPERATION_DESCRIPTORS, IAM_OPERATIONS } = await import('../../src/services/iam/operations.js');
  const { STS_OPERATION_DESCRIPTORS } = await import('../../src/services/sts/operations.js');
  const { LookupEvents } = await import('../../src/services/cloudtrail/lookup-events.js');
  assert.ok(IAM_OPERATION_DESCRIPTORS.length >= 35);
  for (const d of [...IAM_OPERATION_DESCRIPTORS, ...STS_OPERATION_DESCRIPTORS]) {
    assert.equal(d.readOnly, isReadOnly(d.service, d.name), `${d.service}:${d.name}`);
    assert.equal(typeof d.handler, 'function');
  }
  assert.equal(IAM_OPERATIONS.CreateUser, IAM_OPERATION_DESCRIPTORS.find((d) => d.name === 'CreateUser')!.handler);
  assert.deepEqual(STS_OPERATION_DESCRIPTORS.map((d) => d.name).sort(), ['AssumeRole', 'GetCallerIdentity', 'GetFederationToken', 'GetSessionToken']);
  assert.equal(LookupEvents.readOnly, isReadOnly('cloudtrail', 'LookupEvents'));
  for (const d of KMS_OPERATION_DESCRIPTORS) assert.equal(d.service, 'kms');
});

test('a descriptor reads its request with the compiled reader (same answers as readInput)', async () => {
  const { readInput } = await import('../../src/model/shape-input.js');
  const encrypt = descriptorForPermission('Encrypt')!;
  const body = { KeyId: 'alias/a', Plaintext: 'aGk=', Unmodelled: 1 };
  assert.deepEqual(encrypt.readInput(body), readInput('Encrypt', body));
  assert.deepEqual(encrypt.readInput(body), { KeyId: 'alias/a', Plaintext: Buffer.from('hi') });
  assert.throws(() => encrypt.readInput({ KeyId: '' }), {
    name: 'ValidationException',
    message: "2 validation errors detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value null at 'plaintext' failed to satisfy constraint: Member must not be null",
  });
});
