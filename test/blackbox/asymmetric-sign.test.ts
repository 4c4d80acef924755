/**
 * SIGN_VERIFY keys (RSA, NIST and secp256k1 ECDSA, Ed25519): CreateKey, DescribeKey,
 * GetPublicKey, Sign and Verify for every algorithm and MessageType AWS offers, and
 * interoperability: every signature verifies with node:crypto and with the openssl CLI using
 * the public key from GetPublicKey.
 */
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  GetPublicKeyCommand,
  SignCommand,
  VerifyCommand,
  type SigningAlgorithmSpec,
  type KeySpec,
  type MessageType,
} from '@aws-sdk/client-kms';
import { ed25519ph } from '@noble/curves/ed25519.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

const RSA_ALGORITHMS = [
  'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
  'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512',
];
/** Key spec → the SigningAlgorithms AWS lists for it ("Key spec reference"), and what node:crypto calls the key. */
const SPECS: Record<string, { algorithms: string[]; check: (k: KeyObject) => boolean }> = {
  RSA_2048: { algorithms: RSA_ALGORITHMS, check: (k) => k.asymmetricKeyDetails?.modulusLength === 2048 },
  RSA_3072: { algorithms: RSA_ALGORITHMS, check: (k) => k.asymmetricKeyDetails?.modulusLength === 3072 },
  RSA_4096: { algorithms: RSA_ALGORITHMS, check: (k) => k.asymmetricKeyDetails?.modulusLength === 4096 },
  ECC_NIST_P256: { algorithms: ['ECDSA_SHA_256'], check: (k) => k.asymmetricKeyDetails?.namedCurve === 'prime256v1' },
  ECC_NIST_P384: { algorithms: ['ECDSA_SHA_384'], check: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp384r1' },
  ECC_NIST_P521: { algorithms: ['ECDSA_SHA_512'], check: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp521r1' },
  ECC_SECG_P256K1: { algorithms: ['ECDSA_SHA_256'], check: (k) => k.asymmetricKeyDetails?.namedCurve === 'secp256k1' },
  ECC_NIST_EDWARDS25519: { algorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'], check: (k) => k.asymmetricKeyType === 'ed25519' },
};

const hashOf = (algorithm: string) => `sha${algorithm.slice(-3)}`;
const digest = (algorithm: string, message: Buffer) => createHash(hashOf(algorithm)).update(message).digest();

/** Verifies a signature over `message` with node:crypto alone (the Ed25519ph check uses @noble/curves). */
function verifiesOutside(algorithm: string, publicKey: KeyObject, message: Buffer, signature: Uint8Array): boolean {
  if (algorithm === 'ED25519_SHA_512') return nodeVerify(null, message, publicKey, signature);
  if (algorithm === 'ED25519_PH_SHA_512') {
    const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
    return ed25519ph.verify(signature, message, raw, { zip215: false });
  }
  const pss = algorithm.startsWith('RSASSA_PSS') ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : {};
  return nodeVerify(hashOf(algorithm), message, { key: publicKey, dsaEncoding: 'der', ...pss }, signature);
}

/** `openssl dgst -verify` (or `pkeyutl -verify -rawin` for Ed25519) with the DER public key converted to PEM. */
function verifiesWithOpenssl(dir: string, algorithm: string, spki: Uint8Array, message: Buffer, signature: Uint8Array): boolean {
  writeFileSync(join(dir, 'pub.der'), spki);
  writeFileSync(join(dir, 'msg'), message);
  writeFileSync(join(dir, 'sig'), signature);
  execFileSync('openssl', ['pkey', '-pubin', '-inform', 'DER', '-in', join(dir, 'pub.der'), '-out', join(dir, 'pub.pem')]);
  const args = algorithm === 'ED25519_SHA_512'
    ? ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin', '-in', join(dir, 'msg'), '-sigfile', join(dir, 'sig')]
    : ['dgst', `-${hashOf(algorithm)}`, '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig'),
      ...(algorithm.startsWith('RSASSA_PSS') ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:-1'] : []), join(dir, 'msg')];
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).includes('Verified');
  } catch {
    return false;
  }
}

describe('asymmetric SIGN_VERIFY keys', () => {
  let h: Harness;
  let dir: string;
  const keys: Record<string, { id: string; arn: string; publicKey: KeyObject; spki: Uint8Array }> = {};
  before(async () => {
    h = await Harness.start();
    dir = mkdtempSync(join(tmpdir(), 'locksmith-openssl-'));
    for (const spec of Object.keys(SPECS)) {
      const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
      const pub = await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }));
      keys[spec] = { id: md.KeyId!, arn: md.Arn!, spki: pub.PublicKey!, publicKey: createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' }) };
    }
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h.stop();
  });

  const sign = (spec: string, SigningAlgorithm: string, Message: Buffer, MessageType: MessageType = 'RAW') =>
    h.kms.send(new SignCommand({ KeyId: keys[spec]!.id, SigningAlgorithm: SigningAlgorithm as SigningAlgorithmSpec, Message, MessageType }));
  const verify = (spec: string, SigningAlgorithm: string, Message: Buffer, Signature: Uint8Array, MessageType: MessageType = 'RAW') =>
    h.kms.send(new VerifyCommand({ KeyId: keys[spec]!.id, SigningAlgorithm: SigningAlgorithm as SigningAlgorithmSpec, Message, Signature, MessageType }));

  it('CreateKey / DescribeKey / GetPublicKey report the key spec, usage and AWS signing algorithms', async () => {
    for (const [spec, { algorithms, check }] of Object.entries(SPECS)) {
      const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: keys[spec]!.id }))).KeyMetadata!;
      assert.deepEqual([md.KeySpec, md.CustomerMasterKeySpec, md.KeyUsage], [spec, spec, 'SIGN_VERIFY']);
      assert.deepEqual(md.SigningAlgorithms, algorithms, spec);
      assert.deepEqual([md.EncryptionAlgorithms, md.MacAlgorithms, md.KeyAgreementAlgorithms], [undefined, undefined, undefined]);
      const pub = await h.kms.send(new GetPublicKeyCommand({ KeyId: keys[spec]!.arn }));
      assert.deepEqual([pub.KeyId, pub.KeySpec, pub.KeyUsage, pub.SigningAlgorithms, pub.EncryptionAlgorithms], [keys[spec]!.arn, spec, 'SIGN_VERIFY', algorithms, undefined]);
      assert.ok(check(keys[spec]!.publicKey), `${spec}: GetPublicKey returns the right kind of key`);
    }
  });

  it('Sign (RAW) → Verify in KMS, node:crypto and the openssl CLI; a changed message or signature is KMSInvalidSignatureException', async () => {
    const message = Buffer.from('Locksmith signs this message.');
    for (const [spec, { algorithms }] of Object.entries(SPECS)) {
      for (const algorithm of algorithms) {
        const messageType = algorithm === 'ED25519_PH_SHA_512' ? 'DIGEST' : 'RAW';
        const input = messageType === 'DIGEST' ? digest(algorithm, message) : message;
        const out = await sign(spec, algorithm, input, messageType);
        assert.deepEqual([out.KeyId, out.SigningAlgorithm], [keys[spec]!.arn, algorithm]);
        const v = await verify(spec, algorithm, input, out.Signature!, messageType);
        assert.deepEqual([v.KeyId, v.SignatureValid, v.SigningAlgorithm], [keys[spec]!.arn, true, algorithm]);
        assert.ok(verifiesOutside(algorithm, keys[spec]!.publicKey, input, out.Signature!), `${spec} ${algorithm}: node:crypto verifies`);
        if (algorithm !== 'ED25519_PH_SHA_512') {
          assert.ok(verifiesWithOpenssl(dir, algorithm, keys[spec]!.spki, input, out.Signature!), `${spec} ${algorithm}: openssl verifies`);
        }
        const tampered = Buffer.from(out.Signature!);
        tampered[tampered.length - 1]! ^= 1;
        for (const [m, s] of [[Buffer.concat([input.subarray(1), Buffer.from('!')]), out.Signature!], [input, tampered], [input, Buffer.from('short')]] as const) {
          const e = await awsError(() => verify(spec, algorithm, m, s, messageType));
          assert.deepEqual([e.name, e.message], ['KMSInvalidSignatureException', 'UnknownError'], `${spec} ${algorithm}`);
        }
      }
    }
  });

  it('MessageType DIGEST signs the digest as given: a DIGEST signature verifies as RAW over the message, and back', async () => {
    const message = Buffer.from('hash me once');
    for (const [spec, { algorithms }] of Object.entries(SPECS)) {
      for (const algorithm of algorithms.filter((a) => a.startsWith('ECDSA') || a.startsWith('RSASSA'))) {
        const overDigest = await sign(spec, algorithm, digest(algorithm, message), 'DIGEST');
        assert.ok(verifiesOutside(algorithm, keys[spec]!.publicKey, message, overDigest.Signature!), `${spec} ${algorithm}`);
        assert.equal((await verify(spec, algorithm, message, overDigest.Signature!)).SignatureValid, true);
        const overRaw = await sign(spec, algorithm, message);
        assert.equal((await verify(spec, algorithm, digest(algorithm, message), overRaw.Signature!, 'DIGEST')).SignatureValid, true);
      }
    }
  });

  it('ECDSA signatures are DER SEQUENCE { r, s }, as AWS returns them', async () => {
    const sizes: Record<string, number> = { ECC_NIST_P256: 72, ECC_NIST_P384: 104, ECC_NIST_P521: 139, ECC_SECG_P256K1: 72 };
    for (const [spec, max] of Object.entries(sizes)) {
      const { Signature } = await sign(spec, SPECS[spec]!.algorithms[0]!, Buffer.from('der'));
      const sig = Buffer.from(Signature!);
      assert.equal(sig[0], 0x30, spec);
      assert.ok(sig.length <= max, `${spec}: ${sig.length} bytes`);
      execFileSync('openssl', ['asn1parse', '-inform', 'DER'], { input: sig });
    }
  });

  it('DIGEST of the wrong length, MessageType the algorithm refuses, and algorithms of another key spec are refused as AWS does', async () => {
    const cases: [string, string, Buffer, MessageType, string, string][] = [
      ['ECC_NIST_P256', 'ECDSA_SHA_256', Buffer.alloc(20), 'DIGEST', 'ValidationException', 'Digest is invalid length for algorithm ECDSA_SHA_256.'],
      ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_384', Buffer.alloc(64), 'DIGEST', 'ValidationException', 'Digest is invalid length for algorithm RSASSA_PKCS1_V1_5_SHA_384.'],
      ['ECC_NIST_EDWARDS25519', 'ED25519_PH_SHA_512', Buffer.alloc(32), 'DIGEST', 'ValidationException', 'Digest is invalid length for algorithm ED25519_PH_SHA_512.'],
      ['ECC_NIST_EDWARDS25519', 'ED25519_SHA_512', Buffer.alloc(64), 'DIGEST', 'ValidationException', 'Message type DIGEST is incompatible with algorithm ED25519_SHA_512.'],
      ['ECC_NIST_EDWARDS25519', 'ED25519_PH_SHA_512', Buffer.from('m'), 'RAW', 'ValidationException', 'Message type RAW is incompatible with algorithm ED25519_PH_SHA_512.'],
      ['ECC_NIST_P256', 'ECDSA_SHA_256', Buffer.alloc(64), 'EXTERNAL_MU', 'ValidationException', 'Message type EXTERNAL_MU is incompatible with algorithm ECDSA_SHA_256.'],
      ['ECC_NIST_P256', 'ECDSA_SHA_384', Buffer.from('m'), 'RAW', 'InvalidKeyUsageException', 'Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.'],
      ['RSA_2048', 'ECDSA_SHA_256', Buffer.from('m'), 'RAW', 'InvalidKeyUsageException', 'Algorithm ECDSA_SHA_256 is incompatible with key spec RSA_2048.'],
      ['ECC_NIST_EDWARDS25519', 'ECDSA_SHA_512', Buffer.from('m'), 'RAW', 'InvalidKeyUsageException', 'Algorithm ECDSA_SHA_512 is incompatible with key spec ECC_NIST_EDWARDS25519.'],
      ['ECC_SECG_P256K1', 'ECDSA_SHA_384', Buffer.from('m'), 'RAW', 'InvalidKeyUsageException', 'Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_SECG_P256K1.'],
    ];
    for (const [spec, algorithm, message, type, name, text] of cases) {
      for (const call of [() => sign(spec, algorithm, message, type), () => verify(spec, algorithm, message, Buffer.alloc(64, 1), type)]) {
        const e = await awsError(call);
        assert.deepEqual([e.name, e.message], [name, text], `${spec} ${algorithm} ${type}`);
      }
    }
  });

  it('RAW messages up to 4096 bytes; 4097 is a model validation error', async () => {
    const big = Buffer.alloc(4096, 7);
    const { Signature } = await sign('ECC_NIST_P256', 'ECDSA_SHA_256', big);
    assert.ok(verifiesOutside('ECDSA_SHA_256', keys.ECC_NIST_P256!.publicKey, big, Signature!));
    const e = await awsError(() => sign('ECC_NIST_P256', 'ECDSA_SHA_256', Buffer.alloc(4097)));
    assert.equal(e.message, "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096");
  });

  it('DryRun on Sign and Verify: checks pass, nothing is signed', async () => {
    for (const call of [
      () => h.kms.send(new SignCommand({ KeyId: keys.RSA_2048!.id, SigningAlgorithm: 'RSASSA_PSS_SHA_256', Message: Buffer.from('x'), DryRun: true })),
      () => h.kms.send(new VerifyCommand({ KeyId: keys.RSA_2048!.id, SigningAlgorithm: 'RSASSA_PSS_SHA_256', Message: Buffer.from('x'), Signature: Buffer.alloc(256), DryRun: true })),
    ]) {
      assert.equal((await awsError(call)).name, 'DryRunOperationException');
    }
  });
});
