/**
 * Every key spec × every cryptographic operation it does not permit: InvalidKeyUsageException in
 * AWS's words ("<arn> key usage is X which is not valid for Y."), GetPublicKey refused for
 * symmetric and HMAC keys, and the key-state rules of the asymmetric and HMAC operations
 * (kms-key-states.md).
 */
import { CreateKeyCommand, DisableKeyCommand, EncryptCommand, ScheduleKeyDeletionCommand, type KeySpec, type KeyUsageType } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

const KEYS: [KeySpec, KeyUsageType][] = [
  ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'],
  ['RSA_2048', 'ENCRYPT_DECRYPT'],
  ['RSA_2048', 'SIGN_VERIFY'],
  ['ECC_NIST_P256', 'SIGN_VERIFY'],
  ['ECC_NIST_P384', 'KEY_AGREEMENT'],
  ['ECC_SECG_P256K1', 'SIGN_VERIFY'],
  ['ECC_NIST_EDWARDS25519', 'SIGN_VERIFY'],
  ['ML_DSA_44', 'SIGN_VERIFY'],
  ['ML_KEM_768', 'ENCAPSULATE_DECAPSULATE'],
  ['HMAC_256', 'GENERATE_VERIFY_MAC'],
];
const b64 = (b: Buffer) => b.toString('base64');
const peer = b64(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'der' }));
/** Operation → the usage it needs and a request body that is valid apart from the key. */
const OPERATIONS: Record<string, [KeyUsageType, (keyId: string) => object]> = {
  Encrypt: ['ENCRYPT_DECRYPT', (KeyId) => ({ KeyId, Plaintext: b64(Buffer.from('p')) })],
  Decrypt: ['ENCRYPT_DECRYPT', (KeyId) => ({ KeyId, CiphertextBlob: b64(Buffer.alloc(256, 7)) })],
  // A real ciphertext: AWS checks the source before the destination's usage (issue #15).
  ReEncrypt: ['ENCRYPT_DECRYPT', (DestinationKeyId) => ({ DestinationKeyId, CiphertextBlob: sourceBlob })],
  GenerateDataKey: ['ENCRYPT_DECRYPT', (KeyId) => ({ KeyId, KeySpec: 'AES_256' })],
  GenerateDataKeyWithoutPlaintext: ['ENCRYPT_DECRYPT', (KeyId) => ({ KeyId, KeySpec: 'AES_256' })],
  GenerateDataKeyPair: ['ENCRYPT_DECRYPT', (KeyId) => ({ KeyId, KeyPairSpec: 'ECC_NIST_P256' })],
  GenerateDataKeyPairWithoutPlaintext: ['ENCRYPT_DECRYPT', (KeyId) => ({ KeyId, KeyPairSpec: 'ECC_NIST_P256' })],
  Sign: ['SIGN_VERIFY', (KeyId) => ({ KeyId, Message: b64(Buffer.from('m')), SigningAlgorithm: 'ECDSA_SHA_256' })],
  Verify: ['SIGN_VERIFY', (KeyId) => ({ KeyId, Message: b64(Buffer.from('m')), Signature: b64(Buffer.alloc(64)), SigningAlgorithm: 'ECDSA_SHA_256' })],
  GenerateMac: ['GENERATE_VERIFY_MAC', (KeyId) => ({ KeyId, Message: b64(Buffer.from('m')), MacAlgorithm: 'HMAC_SHA_256' })],
  VerifyMac: ['GENERATE_VERIFY_MAC', (KeyId) => ({ KeyId, Message: b64(Buffer.from('m')), Mac: b64(Buffer.alloc(32)), MacAlgorithm: 'HMAC_SHA_256' })],
  DeriveSharedSecret: ['KEY_AGREEMENT', (KeyId) => ({ KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer })],
  Encapsulate: ['ENCAPSULATE_DECAPSULATE', (KeyId) => ({ KeyId, EncapsulationAlgorithm: 'ML_KEM' })],
  Decapsulate: ['ENCAPSULATE_DECAPSULATE', (KeyId) => ({ KeyId, EncapsulationAlgorithm: 'ML_KEM', SharedSecretCiphertextBlob: b64(Buffer.alloc(1088, 7)) })],
};
let sourceBlob = '';

describe('key usage and key state rules of asymmetric and HMAC keys', () => {
  let h: Harness;
  const create = async (KeySpec: KeySpec, KeyUsage: KeyUsageType) =>
    (await h.kms.send(new CreateKeyCommand({ KeySpec, KeyUsage }))).KeyMetadata!;
  before(async () => {
    h = await Harness.start();
    const source = await create('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT');
    sourceBlob = b64(Buffer.from((await h.kms.send(new EncryptCommand({ KeyId: source.KeyId, Plaintext: Buffer.from('p') }))).CiphertextBlob!));
  });
  after(() => h.stop());

  it('every operation a key usage does not permit is InvalidKeyUsageException in AWS words', async () => {
    for (const [spec, usage] of KEYS) {
      const key = await create(spec, usage);
      for (const [operation, [needs, body]] of Object.entries(OPERATIONS)) {
        const res = await h.kmsRaw(operation, body(key.KeyId!));
        const label = `${operation} with ${spec}/${usage}: ${res.text}`;
        if (needs !== usage) {
          assert.deepEqual([res.status, res.json.__type, res.json.message], [400, 'InvalidKeyUsageException', `${key.Arn} key usage is ${usage} which is not valid for ${operation}.`], label);
        } else {
          // Other refusals (algorithm of another spec, asymmetric CMK for data keys) may follow; not the usage one.
          assert.ok(!String(res.json?.message).includes('key usage is'), label);
          assert.ok(res.status < 500, label);
        }
      }
    }
  });

  it('GetPublicKey works for every key pair and is refused for symmetric and HMAC keys', async () => {
    for (const [spec, usage] of KEYS) {
      const key = await create(spec, usage);
      const res = await h.kmsRaw('GetPublicKey', { KeyId: key.KeyId });
      if (spec === 'SYMMETRIC_DEFAULT' || spec.startsWith('HMAC')) {
        assert.deepEqual([res.status, res.json.__type, res.json.message], [400, 'UnsupportedOperationException', 'GetPublicKey is not supported for symmetric keys.'], spec);
      } else {
        assert.equal(res.status, 200, `${spec}: ${res.text}`);
        assert.equal(res.json.KeySpec, spec);
      }
    }
  });

  it('disabled and pending-deletion keys refuse Sign, Verify, GetPublicKey, GenerateMac, VerifyMac, DeriveSharedSecret and the data key pair operations', async () => {
    const pairs: [KeySpec, KeyUsageType, string[]][] = [
      ['ECC_NIST_P256', 'SIGN_VERIFY', ['Sign', 'Verify']],
      ['HMAC_256', 'GENERATE_VERIFY_MAC', ['GenerateMac', 'VerifyMac']],
      ['ECC_NIST_P384', 'KEY_AGREEMENT', ['DeriveSharedSecret']],
      ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', ['GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext']],
    ];
    for (const [spec, usage, operations] of pairs) {
      const calls = [...operations, ...(spec.startsWith('ECC') ? ['GetPublicKey'] : [])];
      const disabled = await create(spec, usage);
      await h.kms.send(new DisableKeyCommand({ KeyId: disabled.KeyId }));
      const pending = await create(spec, usage);
      await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending.KeyId, PendingWindowInDays: 7 }));
      for (const operation of calls) {
        const body = (id: string) => (operation === 'GetPublicKey' ? { KeyId: id } : OPERATIONS[operation]![1](id));
        const d = await h.kmsRaw(operation, body(disabled.KeyId!));
        assert.deepEqual([d.json.__type, d.json.message], ['DisabledException', `${disabled.Arn} is disabled.`], operation);
        const p = await h.kmsRaw(operation, body(pending.KeyId!));
        assert.deepEqual([p.json.__type, p.json.message], ['KMSInvalidStateException', `${pending.Arn} is pending deletion.`], operation);
      }
    }
  });

  it('CreateKey: compatible spec and usage pairs only; SM2 is refused outside the China Regions', async () => {
    const incompatible: [KeySpec, KeyUsageType][] = [
      ['RSA_4096', 'GENERATE_VERIFY_MAC'], ['ECC_NIST_P521', 'ENCRYPT_DECRYPT'], ['ECC_SECG_P256K1', 'ENCRYPT_DECRYPT'],
      ['ECC_NIST_EDWARDS25519', 'KEY_AGREEMENT'], ['ML_DSA_65', 'KEY_AGREEMENT'], ['HMAC_512', 'SIGN_VERIFY'], ['SYMMETRIC_DEFAULT', 'KEY_AGREEMENT'],
    ];
    for (const [spec, usage] of incompatible) {
      const e = await awsError(() => create(spec, usage));
      assert.deepEqual([e.name, e.message], ['ValidationException', `KeyUsage ${usage} is not compatible with KeySpec ${spec}`]);
    }
    for (const usage of ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'] as const) {
      const e = await awsError(() => create('SM2', usage));
      assert.deepEqual([e.name, e.message], ['UnsupportedOperationException', 'KeySpec SM2 is not supported in this Region']);
    }
    const customerMasterKeySpec = (await h.kms.send(new CreateKeyCommand({ CustomerMasterKeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    assert.deepEqual([customerMasterKeySpec.KeySpec, customerMasterKeySpec.SigningAlgorithms], ['ECC_NIST_P256', ['ECDSA_SHA_256']]);
  });
});
