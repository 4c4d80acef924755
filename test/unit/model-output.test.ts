import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeOutput, outputProblems } from '../../src/model/shape-output.js';
import { kmsOperations, operationShape, kmsTargetPrefix, enumValues, isFaultException } from '../../src/model/kms-model.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

test('model: operations, target prefix, enums, faults', () => {
  assert.equal(kmsOperations.length, 56); // with Encapsulate and Decapsulate (scripts/reference/README.md)
  assert.ok(kmsOperations.includes('Encrypt') && kmsOperations.includes('DeriveSharedSecret'));
  assert.equal(kmsTargetPrefix, 'TrentService');
  assert.deepEqual(operationShape('Encrypt').input?.required, ['KeyId', 'Plaintext']);
  assert.equal(operationShape('CreateAlias').output, undefined);
  assert.deepEqual(enumValues('DataKeySpec'), ['AES_256', 'AES_128']);
  assert.ok(isFaultException('KMSInternalException'));
  assert.ok(!isFaultException('NotFoundException'));
});

test('Buffer → base64, undefined dropped, unknown members dropped', () => {
  const out = writeOutput('Encrypt', {
    KeyId: ARN,
    CiphertextBlob: Buffer.from('hello'),
    EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    KeyMaterialId: undefined,
    Plaintext: Buffer.from('must not leak'),
  });
  assert.deepEqual(out, { CiphertextBlob: 'aGVsbG8=', KeyId: ARN, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
  assert.equal(JSON.stringify(out).includes('bXVzdA'), false);
});

test('Uint8Array views serialize only their bytes', () => {
  const backing = new Uint8Array([9, 1, 2, 3, 9]);
  const out = writeOutput('GenerateRandom', { Plaintext: backing.subarray(1, 4) });
  assert.equal(out.Plaintext, Buffer.from([1, 2, 3]).toString('base64'));
});

test('Date → epoch seconds (fractions kept), nested structures and lists', () => {
  const out = writeOutput('DescribeKey', {
    KeyMetadata: {
      KeyId: 'k', Arn: ARN, CreationDate: new Date(1700000000123), Enabled: true,
      KeyState: 'Enabled', EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'], DeletionDate: undefined,
      MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY', ReplicaKeys: [{ Arn: ARN, Region: 'us-west-2' }] },
    },
  });
  const md = out.KeyMetadata as Record<string, unknown>;
  assert.equal(md.CreationDate, 1700000000.123);
  assert.equal(typeof md.CreationDate, 'number');
  assert.equal('DeletionDate' in md, false);
  assert.deepEqual(md.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
  assert.deepEqual(md.MultiRegionConfiguration, { MultiRegionKeyType: 'PRIMARY', ReplicaKeys: [{ Arn: ARN, Region: 'us-west-2' }] });
  assert.equal(JSON.parse(JSON.stringify(out)).KeyMetadata.CreationDate, 1700000000.123);
  const whole = writeOutput('DescribeKey', { KeyMetadata: { KeyId: 'k', CreationDate: new Date(1700000000000) } });
  assert.equal((whole.KeyMetadata as Record<string, unknown>).CreationDate, 1700000000);
});

test('lists of structures and maps', () => {
  const out = writeOutput('ListGrants', {
    Grants: [{ GrantId: 'g', Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { a: 'b', __proto__x: 'c' } }, Junk: 1 }],
    Truncated: false,
  });
  assert.deepEqual(out, {
    Grants: [{ GrantId: 'g', Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { a: 'b', __proto__x: 'c' } } }],
    Truncated: false,
  });
});

test('operations without an output shape serialize to {}', () => {
  assert.deepEqual(writeOutput('CreateAlias', {}), {});
  assert.deepEqual(outputProblems('CreateAlias', { Oops: 1 }), ['Oops']);
});

test('wrong types in service output are programming errors', () => {
  assert.throws(() => writeOutput('Encrypt', { CiphertextBlob: 'not-a-buffer' }), TypeError);
  assert.throws(() => writeOutput('DescribeKey', { KeyMetadata: { KeyId: 'k', CreationDate: 1700000000 } }), /CreationDate: expected a Date/);
  assert.throws(() => writeOutput('ListKeys', { Keys: { KeyId: 'k' } }), /expected an array/);
  assert.throws(() => writeOutput('GenerateRandom', { Plaintext: undefined, CiphertextForRecipient: new Date() }), TypeError);
});

test('outputProblems finds misspelt members at any depth', () => {
  assert.deepEqual(outputProblems('Encrypt', { KeyId: ARN, CiphertextBlob: Buffer.alloc(1) }), []);
  assert.deepEqual(outputProblems('Encrypt', { KeyID: ARN, CiphertextBlob: Buffer.alloc(1), Skipped: undefined }), ['KeyID']);
  assert.deepEqual(
    outputProblems('ListKeys', { Keys: [{ KeyId: 'a' }, { KeyId: 'b', KeyArn: ARN, Typo: 1 }], Truncated: false }),
    ['Keys[1].Typo'],
  );
  assert.deepEqual(outputProblems('DescribeKey', { KeyMetadata: { KeyId: 'k', keyState: 'Enabled' } }), ['KeyMetadata.keyState']);
});
