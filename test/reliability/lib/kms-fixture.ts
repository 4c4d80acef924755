/**
 * What the benchmark and the soak run against: two symmetric keys created through the SDK by the
 * account root, and an IAM user whose inline policy (with an encryption-context condition) is what
 * allows the calls — so SigV4, the key policy and IAM evaluation all run on every request.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { randomBytes } from 'node:crypto';
import { KMS_OPERATIONS } from '../../../src/services/kms/operations.js';
import { REGION, signKms, type Credentials, type WireRequest } from './sign.js';

export const CONTEXT = { app: 'bench' };

export interface KmsFixture {
  endpoint: string;
  account: string;
  user: Credentials;
  keyA: string;
  keyB: string;
  /** Ciphertexts under keyA with CONTEXT, made by the user through the SDK. */
  ciphertexts: Buffer[];
  /** An ECC_NIST_P256 SIGN_VERIFY key, when Locksmith implements Sign. */
  signKey?: string;
  /** An HMAC_256 key, when Locksmith implements GenerateMac. */
  macKey?: string;
}

/** Operations measured only once Locksmith implements them (checked in src/services/kms/operations.ts). */
export const OPTIONAL_OPERATIONS = ['Sign', 'GenerateMac'] as const;
export const implemented = (op: string) => Object.prototype.hasOwnProperty.call(KMS_OPERATIONS, op);

export async function createKmsFixture(endpoint: string, root: Credentials, opts: { ciphertexts?: number; userName?: string } = {}): Promise<KmsFixture> {
  const kms = new KMSClient({ endpoint, region: REGION, credentials: root, maxAttempts: 1 });
  const iam = new IAMClient({ endpoint, region: REGION, credentials: root, maxAttempts: 1 });
  try {
    const a = (await kms.send(new CreateKeyCommand({ Description: 'bench key A' }))).KeyMetadata!;
    const b = (await kms.send(new CreateKeyCommand({ Description: 'bench key B' }))).KeyMetadata!;
    const account = a.AWSAccountId!;
    const signKey = implemented('Sign') ? (await kms.send(new CreateKeyCommand({ Description: 'bench signing key', KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata! : undefined;
    const macKey = implemented('GenerateMac') ? (await kms.send(new CreateKeyCommand({ Description: 'bench HMAC key', KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata! : undefined;
    const extraKeys = [signKey, macKey].filter((k) => k !== undefined).map((k) => k.Arn!);
    const userName = opts.userName ?? 'bench';
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(new PutUserPolicyCommand({
      UserName: userName,
      PolicyName: 'kms-bench',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'UseWithAppContext',
            Effect: 'Allow',
            Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
            Resource: `arn:aws:kms:*:${account}:key/*`,
            Condition: { StringEquals: { 'kms:EncryptionContext:app': CONTEXT.app } },
          },
          { Sid: 'Describe', Effect: 'Allow', Action: 'kms:DescribeKey', Resource: [a.Arn!, b.Arn!] },
          ...(extraKeys.length ? [{ Sid: 'SignAndMac', Effect: 'Allow', Action: ['kms:Sign', 'kms:GenerateMac'], Resource: extraKeys }] : []),
          { Sid: 'NeverDelete', Effect: 'Deny', Action: ['kms:ScheduleKeyDeletion', 'kms:Delete*'], Resource: '*' },
        ],
      }),
    }));
    const ak = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
    const user = { accessKeyId: ak.AccessKeyId!, secretAccessKey: ak.SecretAccessKey! };
    const asUser = new KMSClient({ endpoint, region: REGION, credentials: user, maxAttempts: 1 });
    const ciphertexts: Buffer[] = [];
    try {
      for (let i = 0; i < (opts.ciphertexts ?? 64); i++) {
        const out = await asUser.send(new EncryptCommand({ KeyId: a.KeyId!, Plaintext: randomBytes(32), EncryptionContext: CONTEXT }));
        ciphertexts.push(Buffer.from(out.CiphertextBlob!));
      }
    } finally {
      asUser.destroy();
    }
    return { endpoint, account, user, keyA: a.KeyId!, keyB: b.KeyId!, ciphertexts, signKey: signKey?.KeyId, macKey: macKey?.KeyId };
  } finally {
    kms.destroy();
    iam.destroy();
  }
}

/** The measured operations and how to build the i-th request of each. */
export const BENCH_OPERATIONS: Record<string, (f: KmsFixture, i: number) => unknown> = {
  Encrypt: (f) => ({ KeyId: f.keyA, Plaintext: randomBytes(32).toString('base64'), EncryptionContext: CONTEXT }),
  Decrypt: (f, i) => ({ CiphertextBlob: f.ciphertexts[i % f.ciphertexts.length]!.toString('base64'), EncryptionContext: CONTEXT }),
  GenerateDataKey: (f) => ({ KeyId: f.keyA, KeySpec: 'AES_256', EncryptionContext: CONTEXT }),
  ReEncrypt: (f, i) => ({
    CiphertextBlob: f.ciphertexts[i % f.ciphertexts.length]!.toString('base64'),
    SourceEncryptionContext: CONTEXT,
    DestinationKeyId: f.keyB,
    DestinationEncryptionContext: CONTEXT,
  }),
  DescribeKey: (f) => ({ KeyId: f.keyA }),
  ...(implemented('Sign') ? { Sign: (f: KmsFixture) => ({ KeyId: f.signKey, Message: randomBytes(32).toString('base64'), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }) } : {}),
  ...(implemented('GenerateMac') ? { GenerateMac: (f: KmsFixture) => ({ KeyId: f.macKey, Message: randomBytes(32).toString('base64'), MacAlgorithm: 'HMAC_SHA_256' }) } : {}),
};

/**
 * A pool of `size` requests for `operation`, signed now by the fixture's user. A signed request may
 * be replayed until it leaves the 15-minute skew window (AWS accepts that too), so the load
 * generator rotates through the pool instead of signing per request.
 */
export async function presignedPool(f: KmsFixture, operation: string, size: number, date = new Date()): Promise<WireRequest[]> {
  const build = BENCH_OPERATIONS[operation];
  if (!build) throw new Error(`no request builder for ${operation}`);
  const pool: WireRequest[] = [];
  for (let i = 0; i < size; i++) pool.push(await signKms(f.endpoint, operation, build(f, i), { credentials: f.user, date }));
  return pool;
}
