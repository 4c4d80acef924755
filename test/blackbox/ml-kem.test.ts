/**
 * ML-KEM keys (FIPS 203): ML_KEM_512/768/1024 with KeyUsage ENCAPSULATE_DECAPSULATE, Encapsulate
 * and Decapsulate (Encapsulate/Decapsulate API reference), checked outside Locksmith with an
 * independent decapsulation; ML-KEM data key pairs (GenerateDataKeyPair, seed-form PKCS#8);
 * grants for Encapsulate/Decapsulate and GetKeyLastUsage naming them.
 */
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecapsulateCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncapsulateCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GetKeyLastUsageCommand,
  GetPublicKeyCommand,
  type KeySpec,
} from '@aws-sdk/client-kms';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storedRows } from './audit-helpers.js';
import { ACCOUNT, awsError, Harness, iamClient } from './harness.js';

/** Key spec → SPKI size (the raw key plus 22 bytes of DER), ciphertext size, and an independent ML-KEM. */
const SPECS: Record<string, { spki: number; ciphertext: number; oid: string; kem: typeof ml_kem768 }> = {
  ML_KEM_512: { spki: 822, ciphertext: 768, oid: '608648016503040401', kem: ml_kem512 },
  ML_KEM_768: { spki: 1206, ciphertext: 1088, oid: '608648016503040402', kem: ml_kem768 },
  ML_KEM_1024: { spki: 1590, ciphertext: 1568, oid: '608648016503040403', kem: ml_kem1024 },
};

describe('ML-KEM keys', () => {
  let h: Harness;
  const keys: Record<string, { id: string; arn: string; publicKey: Buffer }> = {};
  before(async () => {
    h = await Harness.start();
    for (const spec of Object.keys(SPECS)) {
      const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'ENCAPSULATE_DECAPSULATE' }))).KeyMetadata!;
      const spki = Buffer.from((await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }))).PublicKey!);
      keys[spec] = { id: md.KeyId!, arn: md.Arn!, publicKey: spki.subarray(22) };
    }
  });
  after(() => h.stop());

  it('DescribeKey and GetPublicKey show ENCAPSULATE_DECAPSULATE and EncapsulationAlgorithms [ML_KEM]; other usages are refused', async () => {
    for (const spec of Object.keys(SPECS)) {
      const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: keys[spec]!.id }))).KeyMetadata!;
      assert.deepEqual([md.KeySpec, md.KeyUsage, md.EncapsulationAlgorithms, md.EncryptionAlgorithms, md.KeyState], [spec, 'ENCAPSULATE_DECAPSULATE', ['ML_KEM'], undefined, 'Enabled']);
      const pub = await h.kms.send(new GetPublicKeyCommand({ KeyId: keys[spec]!.arn }));
      assert.deepEqual([pub.KeySpec, pub.KeyUsage, pub.EncapsulationAlgorithms, pub.PublicKey!.length], [spec, 'ENCAPSULATE_DECAPSULATE', ['ML_KEM'], SPECS[spec]!.spki]);
      assert.ok(Buffer.from(pub.PublicKey!).subarray(0, 22).toString('hex').includes(SPECS[spec]!.oid), `${spec}: id-alg-ml-kem OID`);
      const e = await awsError(() => h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'ENCRYPT_DECRYPT' })));
      assert.deepEqual([e.name, e.message], ['ValidationException', `KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ${spec}`]);
    }
    const e = await awsError(() => h.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'ENCAPSULATE_DECAPSULATE' })));
    assert.deepEqual([e.name, e.message], ['ValidationException', 'KeyUsage ENCAPSULATE_DECAPSULATE is not compatible with KeySpec ECC_NIST_P256']);
  });

  it('Encapsulate → Decapsulate gives the same 32-byte secret, and an independent ML-KEM decapsulates to it too', async () => {
    for (const [spec, { ciphertext, kem }] of Object.entries(SPECS)) {
      const enc = await h.kms.send(new EncapsulateCommand({ KeyId: keys[spec]!.id, EncapsulationAlgorithm: 'ML_KEM' }));
      assert.deepEqual([enc.KeyId, enc.EncapsulationAlgorithm, enc.SharedSecret!.length, enc.SharedSecretCiphertextBlob!.length], [keys[spec]!.arn, 'ML_KEM', 32, ciphertext]);
      const dec = await h.kms.send(new DecapsulateCommand({ KeyId: keys[spec]!.id, SharedSecretCiphertextBlob: enc.SharedSecretCiphertextBlob, EncapsulationAlgorithm: 'ML_KEM' }));
      assert.deepEqual([dec.KeyId, dec.EncapsulationAlgorithm], [keys[spec]!.arn, 'ML_KEM']);
      assert.ok(Buffer.from(dec.SharedSecret!).equals(Buffer.from(enc.SharedSecret!)), spec);
      // The other direction: a peer encapsulates to the public key from GetPublicKey.
      const peer = kem.encapsulate(keys[spec]!.publicKey);
      const got = await h.kms.send(new DecapsulateCommand({ KeyId: keys[spec]!.id, SharedSecretCiphertextBlob: peer.cipherText, EncapsulationAlgorithm: 'ML_KEM' }));
      assert.ok(Buffer.from(got.SharedSecret!).equals(Buffer.from(peer.sharedSecret)), `${spec}: peer's secret`);
    }
  });

  it('Decapsulate: a wrong-length ciphertext is InvalidCiphertextException; an altered one gives another secret (implicit rejection)', async () => {
    const { id } = keys.ML_KEM_768!;
    const enc = await h.kms.send(new EncapsulateCommand({ KeyId: id, EncapsulationAlgorithm: 'ML_KEM' }));
    const short = await awsError(() => h.kms.send(new DecapsulateCommand({ KeyId: id, SharedSecretCiphertextBlob: enc.SharedSecretCiphertextBlob!.subarray(1), EncapsulationAlgorithm: 'ML_KEM' })));
    assert.deepEqual([short.name, short.status], ['InvalidCiphertextException', 400]);
    // A 768-key ciphertext is the wrong length for the 512 key too.
    const other = await awsError(() => h.kms.send(new DecapsulateCommand({ KeyId: keys.ML_KEM_512!.id, SharedSecretCiphertextBlob: enc.SharedSecretCiphertextBlob, EncapsulationAlgorithm: 'ML_KEM' })));
    assert.equal(other.name, 'InvalidCiphertextException');
    const altered = Buffer.from(enc.SharedSecretCiphertextBlob!);
    altered[10]! ^= 1;
    const a = await h.kms.send(new DecapsulateCommand({ KeyId: id, SharedSecretCiphertextBlob: altered, EncapsulationAlgorithm: 'ML_KEM' }));
    const b = await h.kms.send(new DecapsulateCommand({ KeyId: id, SharedSecretCiphertextBlob: altered, EncapsulationAlgorithm: 'ML_KEM' }));
    assert.equal(a.SharedSecret!.length, 32);
    assert.ok(!Buffer.from(a.SharedSecret!).equals(Buffer.from(enc.SharedSecret!)));
    assert.ok(Buffer.from(a.SharedSecret!).equals(Buffer.from(b.SharedSecret!)), 'implicit rejection is deterministic');
  });

  it('wrong key usage, algorithm and DryRun answer as AWS does', async () => {
    const sym = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const e = await awsError(() => h.kms.send(new EncapsulateCommand({ KeyId: sym.KeyId, EncapsulationAlgorithm: 'ML_KEM' })));
    assert.deepEqual([e.name, e.message], ['InvalidKeyUsageException', `${sym.Arn} key usage is ENCRYPT_DECRYPT which is not valid for Encapsulate.`]);
    const bad = await h.kmsRaw('Encapsulate', { KeyId: keys.ML_KEM_512!.id, EncapsulationAlgorithm: 'KYBER' });
    assert.deepEqual([bad.status, bad.json?.__type], [400, 'ValidationException']);
    const missing = await h.kmsRaw('Decapsulate', { KeyId: keys.ML_KEM_512!.id, EncapsulationAlgorithm: 'ML_KEM' });
    assert.deepEqual([missing.status, missing.json?.__type], [400, 'ValidationException']);
    const dry = await awsError(() => h.kms.send(new EncapsulateCommand({ KeyId: keys.ML_KEM_512!.id, EncapsulationAlgorithm: 'ML_KEM', DryRun: true })));
    assert.equal(dry.name, 'DryRunOperationException');
  });

  it('GenerateDataKeyPair(WithoutPlaintext) with ML_KEM_* returns a seed-form PKCS#8 private key and an SPKI public key', async () => {
    const sym = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    for (const [spec, { spki }] of Object.entries(SPECS)) {
      const pair = await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: sym.KeyId, KeyPairSpec: spec as KeySpec & 'ML_KEM_512' }));
      assert.deepEqual([pair.KeyPairSpec, pair.PublicKey!.length, pair.PrivateKeyPlaintext!.length], [spec, spki, 86]);
      const opened = await h.kms.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }));
      assert.ok(Buffer.from(opened.Plaintext!).equals(Buffer.from(pair.PrivateKeyPlaintext!)));
      // The seed (d ‖ z) regenerates the public key with an independent ML-KEM.
      const seed = Buffer.from(pair.PrivateKeyPlaintext!).subarray(22);
      assert.ok(Buffer.from(SPECS[spec]!.kem.keygen(seed).publicKey).equals(Buffer.from(pair.PublicKey!).subarray(22)), spec);
      const wo = await h.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: sym.KeyId, KeyPairSpec: spec as 'ML_KEM_512' }));
      assert.deepEqual([wo.KeyPairSpec, wo.PublicKey!.length, 'PrivateKeyPlaintext' in wo], [spec, spki, false]);
    }
  });

  it('a grant for Encapsulate/Decapsulate lets another principal use the key; GetKeyLastUsage names the operation', async () => {
    const { id, arn } = keys.ML_KEM_1024!;
    await iamClient(h).send(new CreateUserCommand({ UserName: 'app' })); // grantees must exist
    const g = await h.kms.send(new CreateGrantCommand({ KeyId: id, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/app`, Operations: ['Encapsulate', 'Decapsulate', 'GetPublicKey'] }));
    assert.match(g.GrantId!, /^[0-9a-f]{64}$/);
    const e = await awsError(() => h.kms.send(new CreateGrantCommand({ KeyId: id, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/app`, Operations: ['Decrypt'] })));
    assert.equal(e.name, 'ValidationException');
    await h.kms.send(new DecapsulateCommand({ KeyId: arn, SharedSecretCiphertextBlob: Buffer.alloc(1568, 7), EncapsulationAlgorithm: 'ML_KEM' }));
    assert.equal((await h.kms.send(new GetKeyLastUsageCommand({ KeyId: id }))).KeyLastUsage?.Operation, 'Decapsulate');
    await h.kms.send(new EncapsulateCommand({ KeyId: id, EncapsulationAlgorithm: 'ML_KEM' }));
    assert.equal((await h.kms.send(new GetKeyLastUsageCommand({ KeyId: id }))).KeyLastUsage?.Operation, 'Encapsulate');
  });

  it('the audit trail records Encapsulate and Decapsulate without the shared secret or its ciphertext', async () => {
    const { id } = keys.ML_KEM_512!;
    const enc = await h.kms.send(new EncapsulateCommand({ KeyId: id, EncapsulationAlgorithm: 'ML_KEM' }));
    await h.kms.send(new DecapsulateCommand({ KeyId: id, SharedSecretCiphertextBlob: enc.SharedSecretCiphertextBlob, EncapsulationAlgorithm: 'ML_KEM' }));
    const rows = storedRows(h.dataDir).map((r) => JSON.stringify(r.record));
    assert.ok(rows.some((r) => r.includes('"eventName":"Encapsulate"')) && rows.some((r) => r.includes('"eventName":"Decapsulate"')));
    const secret = Buffer.from(enc.SharedSecret!);
    const ciphertext = Buffer.from(enc.SharedSecretCiphertextBlob!);
    for (const r of rows) {
      for (const form of [secret.toString('base64'), secret.toString('hex'), ciphertext.toString('base64').slice(0, 40)]) assert.ok(!r.includes(form));
    }
  });
});
