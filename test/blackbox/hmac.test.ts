/**
 * HMAC keys (GENERATE_VERIFY_MAC): HMAC_224/256/384/512 with GenerateMac and VerifyMac. The key
 * material cannot be read, so RFC 4231 vectors apply only to the unit tests of src/crypto/hmac.ts;
 * here GenerateMac and VerifyMac must agree, and any change to message or MAC is detected.
 */
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  GenerateMacCommand,
  VerifyMacCommand,
  type KeySpec,
  type MacAlgorithmSpec,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

/** Key spec → MAC algorithm and tag length in bytes ("Key spec reference", HMAC keys). */
const SPECS: Record<string, [string, number]> = {
  HMAC_224: ['HMAC_SHA_224', 28],
  HMAC_256: ['HMAC_SHA_256', 32],
  HMAC_384: ['HMAC_SHA_384', 48],
  HMAC_512: ['HMAC_SHA_512', 64],
};

describe('HMAC keys', () => {
  let h: Harness;
  const keys: Record<string, { id: string; arn: string }> = {};
  before(async () => {
    h = await Harness.start();
    for (const spec of Object.keys(SPECS)) {
      const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
      keys[spec] = { id: md.KeyId!, arn: md.Arn! };
    }
  });
  after(() => h.stop());

  const mac = (spec: string, Message: Buffer, algorithm = SPECS[spec]![0]) =>
    h.kms.send(new GenerateMacCommand({ KeyId: keys[spec]!.id, Message, MacAlgorithm: algorithm as MacAlgorithmSpec }));
  const verifyMac = (spec: string, Message: Buffer, Mac: Uint8Array, algorithm = SPECS[spec]![0]) =>
    h.kms.send(new VerifyMacCommand({ KeyId: keys[spec]!.id, Message, Mac, MacAlgorithm: algorithm as MacAlgorithmSpec }));

  it('CreateKey needs KeyUsage GENERATE_VERIFY_MAC; DescribeKey lists the one MAC algorithm', async () => {
    for (const [spec, [algorithm]] of Object.entries(SPECS)) {
      const md = (await h.kms.send(new DescribeKeyCommand({ KeyId: keys[spec]!.id }))).KeyMetadata!;
      assert.deepEqual([md.KeySpec, md.KeyUsage, md.MacAlgorithms, md.EncryptionAlgorithms, md.SigningAlgorithms], [spec, 'GENERATE_VERIFY_MAC', [algorithm], undefined, undefined]);
      assert.equal(md.CurrentKeyMaterialId, undefined, 'CurrentKeyMaterialId is shown for symmetric encryption keys only');
      const noUsage = await awsError(() => h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec })));
      assert.equal(noUsage.message, 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
      const wrongUsage = await awsError(() => h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'ENCRYPT_DECRYPT' })));
      assert.deepEqual([wrongUsage.name, wrongUsage.message], ['ValidationException', `KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ${spec}`]);
    }
  });

  it('GenerateMac → VerifyMac: deterministic, of the digest length, and distinct per key', async () => {
    const message = Buffer.from('authenticate me');
    const seen = new Set<string>();
    for (const [spec, [algorithm, length]] of Object.entries(SPECS)) {
      const out = await mac(spec, message);
      assert.deepEqual([out.KeyId, out.MacAlgorithm, out.Mac!.length], [keys[spec]!.arn, algorithm, length]);
      assert.deepEqual((await mac(spec, message)).Mac, out.Mac, 'HMAC is deterministic');
      const v = await verifyMac(spec, message, out.Mac!);
      assert.deepEqual([v.KeyId, v.MacValid, v.MacAlgorithm], [keys[spec]!.arn, true, algorithm]);
      seen.add(Buffer.from(out.Mac!).toString('hex'));
    }
    const another = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
    const otherMac = await h.kms.send(new GenerateMacCommand({ KeyId: another.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    assert.ok(!seen.has(Buffer.from(otherMac.Mac!).toString('hex')), 'each key has its own material');
    const cross = await awsError(() => verifyMac('HMAC_256', message, otherMac.Mac!));
    assert.equal(cross.name, 'KMSInvalidMacException');
  });

  it('any change to the message or the MAC is KMSInvalidMacException with no message', async () => {
    const message = Buffer.from('tamper-evident');
    for (const spec of Object.keys(SPECS)) {
      const tag = Buffer.from((await mac(spec, message)).Mac!);
      const variants: [Buffer, Buffer][] = [
        [Buffer.from('tamper-evidenT'), tag],
        [message, Buffer.concat([tag, Buffer.from([0])])],
        [message, tag.subarray(0, tag.length - 1)],
        [message, Buffer.alloc(tag.length)],
      ];
      for (let i = 0; i < tag.length; i += 7) {
        const flipped = Buffer.from(tag);
        flipped[i]! ^= 0x80;
        variants.push([message, flipped]);
      }
      for (const [m, t] of variants) {
        const e = await awsError(() => verifyMac(spec, m, t));
        assert.deepEqual([e.name, e.message], ['KMSInvalidMacException', 'UnknownError'], spec);
      }
    }
  });

  it('a MAC algorithm of another HMAC spec is refused; messages up to 4096 bytes; DryRun', async () => {
    const e = await awsError(() => mac('HMAC_256', Buffer.from('x'), 'HMAC_SHA_512'));
    assert.deepEqual([e.name, e.message], ['InvalidKeyUsageException', 'Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.']);
    const v = await awsError(() => verifyMac('HMAC_384', Buffer.from('x'), Buffer.alloc(48), 'HMAC_SHA_224'));
    assert.deepEqual([v.name, v.message], ['InvalidKeyUsageException', 'Algorithm HMAC_SHA_224 is incompatible with key spec HMAC_384.']);
    const big = Buffer.alloc(4096, 1);
    assert.equal((await verifyMac('HMAC_512', big, (await mac('HMAC_512', big)).Mac!)).MacValid, true);
    const tooBig = await awsError(() => mac('HMAC_512', Buffer.alloc(4097)));
    assert.equal(tooBig.name, 'ValidationException');
    for (const call of [
      () => h.kms.send(new GenerateMacCommand({ KeyId: keys.HMAC_256!.id, Message: Buffer.from('x'), MacAlgorithm: 'HMAC_SHA_256', DryRun: true })),
      () => h.kms.send(new VerifyMacCommand({ KeyId: keys.HMAC_256!.id, Message: Buffer.from('x'), Mac: Buffer.alloc(32), MacAlgorithm: 'HMAC_SHA_256', DryRun: true })),
    ]) {
      assert.equal((await awsError(call)).name, 'DryRunOperationException');
    }
  });
});
