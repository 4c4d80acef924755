/**
 * KEY_AGREEMENT keys (ECC_NIST_P256/P384/P521) and DeriveSharedSecret: the raw ECDH shared
 * secret equals what node:crypto derives on the other side from the key's GetPublicKey.
 */
import { CreateKeyCommand, DeriveSharedSecretCommand, DescribeKeyCommand, GetPublicKeyCommand, type KeySpec } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

const CURVES: Record<string, [string, number]> = { ECC_NIST_P256: ['prime256v1', 32], ECC_NIST_P384: ['secp384r1', 48], ECC_NIST_P521: ['secp521r1', 66] };
const spkiOf = (curve: string) => {
  const pair = generateKeyPairSync('ec', { namedCurve: curve });
  return { pair, spki: pair.publicKey.export({ type: 'spki', format: 'der' }) };
};

describe('KEY_AGREEMENT keys', () => {
  let h: Harness;
  const keys: Record<string, { id: string; arn: string }> = {};
  before(async () => {
    h = await Harness.start();
    for (const spec of Object.keys(CURVES)) {
      const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'KEY_AGREEMENT' }))).KeyMetadata!;
      keys[spec] = { id: md.KeyId!, arn: md.Arn! };
    }
  });
  after(() => h.stop());

  const derive = (spec: string, PublicKey: Uint8Array) =>
    h.kms.send(new DeriveSharedSecretCommand({ KeyId: keys[spec]!.id, KeyAgreementAlgorithm: 'ECDH', PublicKey }));

  it('DescribeKey and GetPublicKey list ECDH; secp256k1, RSA and Ed25519 cannot be KEY_AGREEMENT keys', async () => {
    for (const spec of Object.keys(CURVES)) {
      const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: keys[spec]!.id }))).KeyMetadata!;
      assert.deepEqual([md.KeyUsage, md.KeyAgreementAlgorithms, md.SigningAlgorithms], ['KEY_AGREEMENT', ['ECDH'], undefined]);
      const pub = await h.kms.send(new GetPublicKeyCommand({ KeyId: keys[spec]!.id }));
      assert.deepEqual([pub.KeyUsage, pub.KeyAgreementAlgorithms, pub.SigningAlgorithms], ['KEY_AGREEMENT', ['ECDH'], undefined]);
    }
    for (const spec of ['ECC_SECG_P256K1', 'RSA_2048', 'ECC_NIST_EDWARDS25519', 'ML_DSA_44']) {
      const e = await awsError(() => h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'KEY_AGREEMENT' })));
      assert.deepEqual([e.name, e.message], ['ValidationException', `KeyUsage KEY_AGREEMENT is not compatible with KeySpec ${spec}`]);
    }
  });

  it('the shared secret equals node:crypto diffieHellman on the peer side', async () => {
    for (const [spec, [curve, length]] of Object.entries(CURVES)) {
      const { pair, spki } = spkiOf(curve);
      const out = await derive(spec, spki);
      assert.deepEqual([out.KeyId, out.KeyAgreementAlgorithm, out.KeyOrigin, out.SharedSecret!.length], [keys[spec]!.arn, 'ECDH', 'AWS_KMS', length]);
      const kmsPublic = createPublicKey({ key: Buffer.from((await h.kms.send(new GetPublicKeyCommand({ KeyId: keys[spec]!.id }))).PublicKey!), format: 'der', type: 'spki' });
      assert.deepEqual(Buffer.from(out.SharedSecret!), diffieHellman({ privateKey: pair.privateKey, publicKey: kmsPublic }), spec);
      const again = await derive(spec, spki);
      assert.deepEqual(again.SharedSecret, out.SharedSecret);
    }
  });

  it('a public key on another curve, of another type, or not DER SPKI at all is refused', async () => {
    const otherCurve = spkiOf('secp384r1').spki;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' });
    const truncated = spkiOf('prime256v1').spki.subarray(0, 40);
    const offCurve = Buffer.from(spkiOf('prime256v1').spki);
    offCurve[offCurve.length - 1]! ^= 1;
    for (const bad of [otherCurve, rsa, offCurve]) {
      const e = await awsError(() => derive('ECC_NIST_P256', bad));
      assert.deepEqual([e.name, e.message], ['ValidationException', 'PublicKey must be a DER-encoded SubjectPublicKeyInfo of a point on the curve of key spec ECC_NIST_P256.']);
    }
    // Not DER SubjectPublicKeyInfo at all: AWS answers ValidationException with an empty message (issue #15).
    for (const bad of [truncated, Buffer.from('not a key')]) {
      const e = await awsError(() => derive('ECC_NIST_P256', bad));
      assert.equal(e.name, 'ValidationException');
      assert.ok(!e.message.includes('PublicKey must be'), e.message);
    }
  });

  it('DryRun answers DryRunOperationException after every check', async () => {
    const dry = await awsError(() => h.kms.send(new DeriveSharedSecretCommand({ KeyId: keys.ECC_NIST_P384!.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: spkiOf('secp384r1').spki, DryRun: true })));
    assert.equal(dry.name, 'DryRunOperationException');
  });
});
