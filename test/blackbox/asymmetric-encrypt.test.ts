/**
 * RSA ENCRYPT_DECRYPT keys (Encrypt, Decrypt, ReEncrypt with RSAES-OAEP) and the data key pair
 * operations (GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext).
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GetPublicKeyCommand,
  ReEncryptCommand,
  type DataKeyPairSpec,
  type EncryptionAlgorithmSpec,
  type KeySpec,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { constants, createPrivateKey, createPublicKey, publicEncrypt, sign, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

/** AWS's RSAES-OAEP plaintext limits (Encrypt API reference): SHA-1 / SHA-256. */
const LIMITS: Record<string, [number, number]> = { RSA_2048: [214, 190], RSA_3072: [342, 318], RSA_4096: [470, 446] };
const OAEP: Record<string, string> = { RSAES_OAEP_SHA_1: 'sha1', RSAES_OAEP_SHA_256: 'sha256' };

describe('RSA ENCRYPT_DECRYPT keys', () => {
  let h: Harness;
  const keys: Record<string, { id: string; arn: string; spki: Buffer }> = {};
  let symmetric: string;
  before(async () => {
    h = await Harness.start();
    for (const spec of Object.keys(LIMITS)) {
      const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'ENCRYPT_DECRYPT' }))).KeyMetadata!;
      const pub = await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }));
      keys[spec] = { id: md.KeyId!, arn: md.Arn!, spki: Buffer.from(pub.PublicKey!) };
    }
    symmetric = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  });
  after(() => h.stop());

  const encrypt = (spec: string, algorithm: string, Plaintext: Buffer) =>
    h.kms.send(new EncryptCommand({ KeyId: keys[spec]!.id, Plaintext, EncryptionAlgorithm: algorithm as EncryptionAlgorithmSpec }));
  const decrypt = (spec: string | undefined, algorithm: string | undefined, CiphertextBlob: Uint8Array) =>
    h.kms.send(new DecryptCommand({ KeyId: spec && keys[spec]!.id, CiphertextBlob, EncryptionAlgorithm: algorithm as EncryptionAlgorithmSpec }));

  it('DescribeKey and GetPublicKey list RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256', async () => {
    for (const spec of Object.keys(LIMITS)) {
      const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: keys[spec]!.id }))).KeyMetadata!;
      assert.deepEqual([md.KeyUsage, md.EncryptionAlgorithms, md.SigningAlgorithms], ['ENCRYPT_DECRYPT', ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'], undefined]);
      const pub = await h.kms.send(new GetPublicKeyCommand({ KeyId: keys[spec]!.id }));
      assert.deepEqual([pub.KeyUsage, pub.EncryptionAlgorithms, pub.SigningAlgorithms], ['ENCRYPT_DECRYPT', ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'], undefined]);
    }
  });

  it('Encrypt → Decrypt at the exact plaintext limits; one byte more is refused in AWS words', async () => {
    for (const [spec, [sha1, sha256]] of Object.entries(LIMITS)) {
      for (const [algorithm, limit] of [['RSAES_OAEP_SHA_1', sha1], ['RSAES_OAEP_SHA_256', sha256]] as const) {
        const plaintext = Buffer.alloc(limit, 0x5a);
        const out = await encrypt(spec, algorithm, plaintext);
        assert.deepEqual([out.KeyId, out.EncryptionAlgorithm, out.CiphertextBlob!.length], [keys[spec]!.arn, algorithm, Number(spec.slice(4)) / 8]);
        const dec = await decrypt(spec, algorithm, out.CiphertextBlob!);
        assert.deepEqual([Buffer.from(dec.Plaintext!), dec.KeyId, dec.EncryptionAlgorithm], [plaintext, keys[spec]!.arn, algorithm]);
        const e = await awsError(() => encrypt(spec, algorithm, Buffer.alloc(limit + 1)));
        assert.deepEqual([e.name, e.message], ['ValidationException', `Algorithm ${algorithm} and key spec ${spec} cannot encrypt data larger than ${limit} bytes.`]);
      }
    }
  });

  it('data encrypted outside Locksmith with the public key (node:crypto OAEP) decrypts inside', async () => {
    for (const spec of Object.keys(LIMITS)) {
      for (const [algorithm, oaepHash] of Object.entries(OAEP)) {
        const secret = Buffer.from(`outside ${spec} ${algorithm}`);
        const key = createPublicKey({ key: keys[spec]!.spki, format: 'der', type: 'spki' });
        const blob = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, secret);
        assert.deepEqual(Buffer.from((await decrypt(spec, algorithm, blob)).Plaintext!), secret);
        // The other OAEP hash fails like any bad ciphertext.
        const other = algorithm === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1';
        assert.equal((await awsError(() => decrypt(spec, other, blob))).name, 'InvalidCiphertextException');
      }
    }
  });

  it('Decrypt of RSA ciphertext needs the KeyId and an RSAES algorithm; the wrong key or tampering is InvalidCiphertextException', async () => {
    const { CiphertextBlob } = await encrypt('RSA_2048', 'RSAES_OAEP_SHA_256', Buffer.from('x'));
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => decrypt(undefined, 'RSAES_OAEP_SHA_256', CiphertextBlob!), 'InvalidCiphertextException', 'UnknownError'],
      [() => decrypt('RSA_2048', undefined, CiphertextBlob!), 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.'],
      [() => decrypt('RSA_3072', 'RSAES_OAEP_SHA_256', CiphertextBlob!), 'InvalidCiphertextException', 'UnknownError'],
      [() => decrypt('RSA_2048', 'RSAES_OAEP_SHA_256', Buffer.from(CiphertextBlob!).fill(1, 10, 11)), 'InvalidCiphertextException', 'UnknownError'],
      [() => h.kms.send(new DecryptCommand({ KeyId: symmetric, CiphertextBlob })), 'InvalidCiphertextException', 'UnknownError'],
      [() => h.kms.send(new DecryptCommand({ KeyId: keys.RSA_2048!.id, CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256', EncryptionContext: { a: 'b' } })),
        'ValidationException', 'EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.'],
    ];
    for (const [call, name, message] of cases) {
      const e = await awsError(call);
      assert.deepEqual([e.name, e.message], [name, message]);
    }
    // A symmetric ciphertext decrypted with an RSA KeyId names the wrong key (IncorrectKeyException), as AWS does.
    const sym = await h.kms.send(new EncryptCommand({ KeyId: symmetric, Plaintext: Buffer.from('s') }));
    const wrong = await awsError(() => decrypt('RSA_2048', 'RSAES_OAEP_SHA_256', sym.CiphertextBlob!));
    assert.deepEqual([wrong.name, wrong.message], ['IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.']);
  });

  it('Encrypt with RSA keys: SYMMETRIC_DEFAULT and encryption context are refused; DryRun checks the size first', async () => {
    const noAlgorithm = await awsError(() => h.kms.send(new EncryptCommand({ KeyId: keys.RSA_4096!.id, Plaintext: Buffer.from('x') })));
    assert.deepEqual([noAlgorithm.name, noAlgorithm.message], ['InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_4096.']);
    const context = await awsError(() => h.kms.send(new EncryptCommand({ KeyId: keys.RSA_2048!.id, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1', EncryptionContext: { k: 'v' } })));
    assert.equal(context.message, 'EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.');
    const oaepOnSymmetric = await awsError(() => h.kms.send(new EncryptCommand({ KeyId: symmetric, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' })));
    assert.deepEqual([oaepOnSymmetric.name, oaepOnSymmetric.message], ['InvalidKeyUsageException', 'Algorithm RSAES_OAEP_SHA_1 is incompatible with key spec SYMMETRIC_DEFAULT.']);
    const dry = await awsError(() => h.kms.send(new EncryptCommand({ KeyId: keys.RSA_2048!.id, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1', DryRun: true })));
    assert.equal(dry.name, 'DryRunOperationException');
    const dryTooBig = await awsError(() => h.kms.send(new EncryptCommand({ KeyId: keys.RSA_2048!.id, Plaintext: Buffer.alloc(300), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1', DryRun: true })));
    assert.equal(dryTooBig.name, 'ValidationException');
  });

  it('ReEncrypt between symmetric and RSA keys in both directions, and RSA to RSA', async () => {
    const plaintext = Buffer.from('moves between keys');
    const sym = await h.kms.send(new EncryptCommand({ KeyId: symmetric, Plaintext: plaintext, EncryptionContext: { c: '1' } }));
    const toRsa = await h.kms.send(new ReEncryptCommand({
      CiphertextBlob: sym.CiphertextBlob, SourceEncryptionContext: { c: '1' }, DestinationKeyId: keys.RSA_3072!.id, DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    }));
    assert.deepEqual([toRsa.SourceEncryptionAlgorithm, toRsa.DestinationEncryptionAlgorithm, toRsa.KeyId], ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_256', keys.RSA_3072!.arn]);
    const rsaToRsa = await h.kms.send(new ReEncryptCommand({
      CiphertextBlob: toRsa.CiphertextBlob, SourceKeyId: keys.RSA_3072!.id, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      DestinationKeyId: keys.RSA_2048!.id, DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
    }));
    assert.equal(rsaToRsa.SourceKeyId, keys.RSA_3072!.arn);
    const back = await h.kms.send(new ReEncryptCommand({
      CiphertextBlob: rsaToRsa.CiphertextBlob, SourceKeyId: keys.RSA_2048!.id, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1', DestinationKeyId: symmetric,
    }));
    assert.deepEqual(Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob: back.CiphertextBlob }))).Plaintext!), plaintext);
    const noSource = await awsError(() => h.kms.send(new ReEncryptCommand({ CiphertextBlob: toRsa.CiphertextBlob, DestinationKeyId: symmetric })));
    assert.equal(noSource.name, 'InvalidCiphertextException');
    const tooBig = await h.kms.send(new EncryptCommand({ KeyId: symmetric, Plaintext: Buffer.alloc(300) }));
    const e = await awsError(() => h.kms.send(new ReEncryptCommand({ CiphertextBlob: tooBig.CiphertextBlob, DestinationKeyId: keys.RSA_2048!.id, DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })));
    assert.equal(e.message, 'Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.');
  });

  it('GenerateDataKey refuses an RSA key as AWS does', async () => {
    const e = await awsError(() => h.kms.send(new GenerateDataKeyCommand({ KeyId: keys.RSA_2048!.id, KeySpec: 'AES_256' })));
    assert.deepEqual([e.name, e.message], ['InvalidKeyUsageException', 'You cannot generate a data key with an asymmetric CMK']);
  });

  it('GenerateDataKeyPair: PKCS#8 private key sealed under the symmetric key, DER public key that matches it', async () => {
    const specs: Record<string, (k: ReturnType<typeof createPrivateKey>) => boolean> = {
      RSA_2048: (k) => k.asymmetricKeyDetails?.modulusLength === 2048,
      RSA_3072: (k) => k.asymmetricKeyDetails?.modulusLength === 3072,
      RSA_4096: (k) => k.asymmetricKeyDetails?.modulusLength === 4096,
      ECC_NIST_P256: (k) => k.asymmetricKeyDetails?.namedCurve === 'prime256v1',
      ECC_NIST_P384: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp384r1',
      ECC_NIST_P521: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp521r1',
      ECC_SECG_P256K1: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp256k1',
      ECC_NIST_EDWARDS25519: (k) => k.asymmetricKeyType === 'ed25519',
    };
    for (const [spec, check] of Object.entries(specs)) {
      const out = await h.kms.send(new GenerateDataKeyPairCommand({ KeyId: symmetric, KeyPairSpec: spec as DataKeyPairSpec, EncryptionContext: { pair: spec } }));
      assert.equal(out.KeyPairSpec, spec);
      const privateKey = createPrivateKey({ key: Buffer.from(out.PrivateKeyPlaintext!), format: 'der', type: 'pkcs8' });
      assert.ok(check(privateKey), spec);
      const publicKey = createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' });
      const hash = spec === 'ECC_NIST_EDWARDS25519' ? null : 'sha256';
      assert.ok(verify(hash, Buffer.from('m'), publicKey, sign(hash, Buffer.from('m'), privateKey)), `${spec}: the public key belongs to the private key`);
      const opened = await h.kms.send(new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: { pair: spec } }));
      assert.deepEqual(Buffer.from(opened.Plaintext!), Buffer.from(out.PrivateKeyPlaintext!));
      const without = await h.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: symmetric, KeyPairSpec: spec as DataKeyPairSpec }));
      assert.equal((without as { PrivateKeyPlaintext?: unknown }).PrivateKeyPlaintext, undefined);
      const privateAgain = (await h.kms.send(new DecryptCommand({ CiphertextBlob: without.PrivateKeyCiphertextBlob }))).Plaintext!;
      const derivedPublic = createPublicKey(createPrivateKey({ key: Buffer.from(privateAgain), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
      assert.deepEqual(derivedPublic, Buffer.from(without.PublicKey!));
    }
  });

  it('GenerateDataKeyPair refusals: SM2 outside China, asymmetric KMS keys, DryRun', async () => {
    const sm2 = await awsError(() => h.kms.send(new GenerateDataKeyPairCommand({ KeyId: symmetric, KeyPairSpec: 'SM2' })));
    assert.deepEqual([sm2.name, sm2.message], ['UnsupportedOperationException', 'KeyPairSpec SM2 is not supported in this Region']);
    const rsa = await awsError(() => h.kms.send(new GenerateDataKeyPairCommand({ KeyId: keys.RSA_2048!.id, KeyPairSpec: 'ECC_NIST_P256' })));
    assert.deepEqual([rsa.name, rsa.message], ['InvalidKeyUsageException', 'You cannot generate a data key pair with an asymmetric CMK']);
    for (const Command of [GenerateDataKeyPairCommand, GenerateDataKeyPairWithoutPlaintextCommand]) {
      const dry = await awsError(() => h.kms.send(new Command({ KeyId: symmetric, KeyPairSpec: 'RSA_2048', DryRun: true })));
      assert.equal(dry.name, 'DryRunOperationException');
    }
  });
});
