/**
 * ML-DSA keys (FIPS 204): ML_DSA_44/65/87 with ML_DSA_SHAKE_256, MessageType RAW (pure ML-DSA,
 * empty context) and EXTERNAL_MU (the 64-byte μ of FIPS 204 §6.2, computed here with node:crypto's
 * SHAKE256). Signatures verify outside Locksmith with the public key from GetPublicKey.
 */
import { CreateKeyCommand, DescribeKeyCommand, GetPublicKeyCommand, SignCommand, VerifyCommand, type KeySpec, type MessageType } from '@aws-sdk/client-kms';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

/** Key spec → SPKI and signature sizes (FIPS 204 Table 2; RFC 9881 SPKI adds 22 bytes) and an independent verifier. */
const SPECS: Record<string, { spki: number; signature: number; oid: string; verify: typeof ml_dsa44.verify }> = {
  ML_DSA_44: { spki: 1334, signature: 2420, oid: '608648016503040311', verify: ml_dsa44.verify },
  ML_DSA_65: { spki: 1974, signature: 3309, oid: '608648016503040312', verify: ml_dsa65.verify },
  ML_DSA_87: { spki: 2614, signature: 4627, oid: '608648016503040313', verify: ml_dsa87.verify },
};
const shake256 = (data: Buffer) => createHash('shake256', { outputLength: 64 }).update(data).digest();
/** μ = SHAKE256(SHAKE256(pk) ‖ 0x00 ‖ 0x00 ‖ M): pure ML-DSA with an empty context (FIPS 204 Algorithm 2, 7). */
const mu = (publicKey: Buffer, message: Buffer) => shake256(Buffer.concat([shake256(publicKey), Buffer.from([0, 0]), message]));

describe('ML-DSA keys', () => {
  let h: Harness;
  const keys: Record<string, { id: string; arn: string; publicKey: Buffer }> = {};
  before(async () => {
    h = await Harness.start();
    for (const spec of Object.keys(SPECS)) {
      const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
      const spki = Buffer.from((await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }))).PublicKey!);
      assert.equal(spki.length, SPECS[spec]!.spki, `${spec} SPKI size`);
      assert.ok(spki.subarray(0, 22).toString('hex').includes(SPECS[spec]!.oid), `${spec}: id-ml-dsa OID`);
      keys[spec] = { id: md.KeyId!, arn: md.Arn!, publicKey: spki.subarray(22) };
    }
  });
  after(() => h.stop());

  const sign = (spec: string, Message: Buffer, MessageType: MessageType = 'RAW') =>
    h.kms.send(new SignCommand({ KeyId: keys[spec]!.id, SigningAlgorithm: 'ML_DSA_SHAKE_256', Message, MessageType }));
  const verify = (spec: string, Message: Buffer, Signature: Uint8Array, MessageType: MessageType = 'RAW') =>
    h.kms.send(new VerifyCommand({ KeyId: keys[spec]!.id, SigningAlgorithm: 'ML_DSA_SHAKE_256', Message, Signature, MessageType }));

  it('DescribeKey and GetPublicKey list ML_DSA_SHAKE_256; only SIGN_VERIFY is allowed', async () => {
    for (const spec of Object.keys(SPECS)) {
      const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: keys[spec]!.id }))).KeyMetadata!;
      assert.deepEqual([md.KeySpec, md.KeyUsage, md.SigningAlgorithms], [spec, 'SIGN_VERIFY', ['ML_DSA_SHAKE_256']]);
      const e = await awsError(() => h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'ENCRYPT_DECRYPT' })));
      assert.equal(e.message, `KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ${spec}`);
    }
  });

  it('RAW: Sign → Verify in KMS and with an independent FIPS 204 verifier; tampering is KMSInvalidSignatureException', async () => {
    const message = Buffer.from('post-quantum message');
    for (const [spec, { signature, verify: verifyOutside }] of Object.entries(SPECS)) {
      const out = await sign(spec, message);
      assert.deepEqual([out.Signature!.length, out.SigningAlgorithm, out.KeyId], [signature, 'ML_DSA_SHAKE_256', keys[spec]!.arn]);
      assert.equal((await verify(spec, message, out.Signature!)).SignatureValid, true);
      assert.ok(verifyOutside(out.Signature!, message, keys[spec]!.publicKey), spec);
      const bad = Buffer.from(out.Signature!);
      bad[100]! ^= 1;
      assert.equal((await awsError(() => verify(spec, message, bad))).name, 'KMSInvalidSignatureException');
      assert.equal((await awsError(() => verify(spec, Buffer.from('other'), out.Signature!))).name, 'KMSInvalidSignatureException');
    }
  });

  it('EXTERNAL_MU: a signature over μ verifies as a RAW signature over the message, and back', async () => {
    const message = Buffer.from('signed through mu');
    for (const [spec, { verify: verifyOutside }] of Object.entries(SPECS)) {
      const m = mu(keys[spec]!.publicKey, message);
      const overMu = await sign(spec, m, 'EXTERNAL_MU');
      assert.ok(verifyOutside(overMu.Signature!, message, keys[spec]!.publicKey), `${spec}: μ computed outside matches`);
      assert.equal((await verify(spec, message, overMu.Signature!)).SignatureValid, true);
      const overRaw = await sign(spec, message);
      assert.equal((await verify(spec, m, overRaw.Signature!, 'EXTERNAL_MU')).SignatureValid, true);
    }
  });

  it('DIGEST, a μ of the wrong length and other algorithms are refused', async () => {
    const digest = await awsError(() => sign('ML_DSA_44', Buffer.alloc(32), 'DIGEST'));
    assert.deepEqual([digest.name, digest.message], ['ValidationException', 'Message type DIGEST is incompatible with key spec ML_DSA_44.']);
    const short = await awsError(() => sign('ML_DSA_65', Buffer.alloc(32), 'EXTERNAL_MU'));
    assert.deepEqual([short.name, short.message], ['ValidationException', 'Digest is invalid length for algorithm ML_DSA_SHAKE_256.']);
    const other = await awsError(() => h.kms.send(new SignCommand({ KeyId: keys.ML_DSA_87!.id, SigningAlgorithm: 'ECDSA_SHA_512', Message: Buffer.from('x') })));
    assert.deepEqual([other.name, other.message], ['InvalidKeyUsageException', 'Algorithm ECDSA_SHA_512 is incompatible with key spec ML_DSA_87.']);
  });
});
