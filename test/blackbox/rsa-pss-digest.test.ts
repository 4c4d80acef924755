/**
 * Sign and Verify with RSASSA_PSS_SHA_256/384/512 and MessageType DIGEST: the signature is over
 * the digest as given (no second hash), so it verifies as an ordinary RSASSA-PSS signature over the
 * original message (MGF1 with the same hash, salt as long as the digest: "SHA-256 for both the
 * message digest and the MGF1 mask generation function along with a 256-bit salt", KMS key spec
 * reference), with node:crypto, the openssl CLI and Locksmith's own Verify in RAW and DIGEST mode.
 */
import {
  CreateKeyCommand,
  GetPublicKeyCommand,
  SignCommand,
  VerifyCommand,
  type KeySpec,
  type MessageType,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

const SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096'];
const ALGORITHMS = ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'];
const hashOf = (algorithm: string) => `sha${algorithm.slice(-3)}`;
const digestBytes = (algorithm: string) => Number(algorithm.slice(-3)) / 8;
const digest = (algorithm: string, message: Buffer) => createHash(hashOf(algorithm)).update(message).digest();

describe('RSASSA-PSS with MessageType DIGEST', () => {
  let h: Harness;
  const keys: Record<string, { id: string; arn: string; publicKey: KeyObject }> = {};
  before(async () => {
    h = await Harness.start();
    for (const spec of SPECS) {
      const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec as KeySpec, KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
      const pub = await h.kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }));
      keys[spec] = { id: md.KeyId!, arn: md.Arn!, publicKey: createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' }) };
    }
  });
  after(() => h.stop());

  const sign = (spec: string, SigningAlgorithm: string, Message: Buffer, MessageType: MessageType = 'RAW') =>
    h.kms.send(new SignCommand({ KeyId: keys[spec]!.id, SigningAlgorithm: SigningAlgorithm as SigningAlgorithmSpec, Message, MessageType }));
  const verify = (spec: string, SigningAlgorithm: string, Message: Buffer, Signature: Uint8Array, MessageType: MessageType = 'RAW') =>
    h.kms.send(new VerifyCommand({ KeyId: keys[spec]!.id, SigningAlgorithm: SigningAlgorithm as SigningAlgorithmSpec, Message, Signature, MessageType }));
  const pssOptions = (algorithm: string, saltLength = digestBytes(algorithm)) => ({ padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });

  it('a DIGEST signature verifies with node:crypto over the original message, and with Verify in RAW and DIGEST mode', async () => {
    const message = Buffer.from('Locksmith signs the digest it is given.');
    for (const spec of SPECS) {
      for (const algorithm of ALGORITHMS) {
        const what = `${spec} ${algorithm}`;
        const out = await sign(spec, algorithm, digest(algorithm, message), 'DIGEST');
        assert.deepEqual([out.KeyId, out.SigningAlgorithm, out.Signature!.length], [keys[spec]!.arn, algorithm, Number(spec.slice(4)) / 8], what);
        const { publicKey } = keys[spec]!;
        assert.ok(nodeVerify(hashOf(algorithm), message, { key: publicKey, ...pssOptions(algorithm) }, out.Signature!), what);
        assert.ok(!nodeVerify(hashOf(algorithm), digest(algorithm, message), { key: publicKey, ...pssOptions(algorithm) }, out.Signature!), `${what}: not hashed twice`);
        for (const [m, type] of [[message, 'RAW'], [digest(algorithm, message), 'DIGEST']] as const) {
          const v = await verify(spec, algorithm, m, out.Signature!, type);
          assert.deepEqual([v.KeyId, v.SignatureValid, v.SigningAlgorithm], [keys[spec]!.arn, true, algorithm], `${what} Verify ${type}`);
        }
      }
    }
  });

  it('a RAW signature verifies in DIGEST mode; the openssl CLI verifies a DIGEST signature over the digest', async () => {
    const message = Buffer.from('both ways');
    const dir = mkdtempSync(join(tmpdir(), 'locksmith-pss-'));
    try {
      writeFileSync(join(dir, 'pub.pem'), keys.RSA_3072!.publicKey.export({ type: 'spki', format: 'pem' }));
      for (const algorithm of ALGORITHMS) {
        const overRaw = await sign('RSA_3072', algorithm, message);
        assert.equal((await verify('RSA_3072', algorithm, digest(algorithm, message), overRaw.Signature!, 'DIGEST')).SignatureValid, true, algorithm);
        writeFileSync(join(dir, 'digest.bin'), digest(algorithm, message));
        writeFileSync(join(dir, 'sig'), (await sign('RSA_3072', algorithm, digest(algorithm, message), 'DIGEST')).Signature!);
        const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-sigfile', join(dir, 'sig'),
          '-pkeyopt', `digest:${hashOf(algorithm)}`, '-pkeyopt', 'rsa_padding_mode:pss', '-pkeyopt', 'rsa_pss_saltlen:-1', '-in', join(dir, 'digest.bin')], { encoding: 'utf8' });
        assert.match(out, /Signature Verified Successfully/, algorithm);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a changed digest, another salt length or a changed signature is KMSInvalidSignatureException', async () => {
    const message = Buffer.from('tamper-evident');
    for (const algorithm of ALGORITHMS) {
      const d = digest(algorithm, message);
      const signature = Buffer.from((await sign('RSA_2048', algorithm, d, 'DIGEST')).Signature!);
      const otherDigest = Buffer.from(d);
      otherDigest[0]! ^= 1;
      const flipped = Buffer.from(signature);
      flipped[7]! ^= 0x10;
      const variants: [Buffer, Buffer, MessageType][] = [
        [otherDigest, signature, 'DIGEST'],
        [Buffer.from('tamper-evidenT'), signature, 'RAW'],
        [d, flipped, 'DIGEST'],
        [d, signature.subarray(1), 'DIGEST'],
        [d, Buffer.concat([Buffer.alloc(1), signature]), 'DIGEST'],
      ];
      for (const [m, s, type] of variants) {
        const e = await awsError(() => verify('RSA_2048', algorithm, m, s, type));
        assert.deepEqual([e.name, e.message], ['KMSInvalidSignatureException', 'UnknownError'], `${algorithm} ${type}`);
      }
    }
  });

  it('a digest of the wrong length is ValidationException for Sign and Verify', async () => {
    const cases: [string, number][] = [
      ['RSASSA_PSS_SHA_256', 31], ['RSASSA_PSS_SHA_256', 33], ['RSASSA_PSS_SHA_256', 48],
      ['RSASSA_PSS_SHA_384', 32], ['RSASSA_PSS_SHA_384', 64], ['RSASSA_PSS_SHA_512', 48], ['RSASSA_PSS_SHA_512', 1],
    ];
    for (const [algorithm, length] of cases) {
      for (const call of [() => sign('RSA_2048', algorithm, Buffer.alloc(length, 7), 'DIGEST'), () => verify('RSA_2048', algorithm, Buffer.alloc(length, 7), Buffer.alloc(256, 1), 'DIGEST')]) {
        const e = await awsError(call);
        assert.deepEqual([e.name, e.message], ['ValidationException', `Digest is invalid length for algorithm ${algorithm}.`], `${algorithm} ${length}`);
      }
    }
  });
});
