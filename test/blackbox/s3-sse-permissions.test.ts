import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { CreateKeyCommand, PutKeyPolicyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { Harness, kmsClient, s3Client } from './harness.js';
import { failure, storedRows } from './audit-helpers.js';

/**
 * The classic S3 + KMS permission stories (KMS Developer Guide, "How Amazon S3 uses AWS KMS"; S3
 * User Guide, "Using SSE-KMS"): S3 calls KMS as the caller, so the caller needs kms:GenerateDataKey
 * to write, kms:Decrypt to read, both for multipart, never kms:Encrypt; cross-account use needs
 * both the key policy and the caller's IAM policy; key policies can condition on the object ARN.
 */
const ALPHA = '111111111111';
const BETA = '222222222222';
const ALPHA_ROOT = { accessKeyId: 'AKIASSEALPHAROOT0001', secretAccessKey: 'alpha-root-secret' };
const BETA_ROOT = { accessKeyId: 'AKIASSEBETAROOT00001', secretAccessKey: 'beta-root-secret' };
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource = '*') => ({ Effect: 'Allow', Action, Resource });
const USERS: Array<[string, string, object[]]> = [
  [ALPHA, 'writer', [allow('s3:PutObject'), allow('kms:GenerateDataKey')]],
  [ALPHA, 'nokms', [allow(['s3:PutObject', 's3:GetObject'])]],
  [ALPHA, 'reader', [allow('s3:GetObject'), allow('kms:Decrypt')]],
  [ALPHA, 'mpu', [allow('s3:PutObject'), allow('kms:GenerateDataKey')]],
  [ALPHA, 'prefixer', [allow(['s3:PutObject', 's3:GetObject'])]],
  [BETA, 'bob', [allow(['s3:*', 'kms:*'])]],
];
const akid = (i: number) => `AKIASSEUSER${String(i).padStart(9, '0')}`;
const keyOf = (name: string) => ({ accessKeyId: akid(USERS.findIndex((u) => u[1] === name) + 1), secretAccessKey: `${name}-secret` });
const userArn = (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`;
const SEED = {
  accounts: [ALPHA, BETA].map((id) => ({
    id,
    rootAccessKeys: [id === ALPHA ? ALPHA_ROOT : BETA_ROOT],
    users: USERS.filter((u) => u[0] === id).map(([, name, statements]) => ({ name, accessKeys: [keyOf(name)], policies: [{ name: 'p', document: doc(...statements) }] })),
  })),
};

describe('S3 SSE-KMS permission stories: S3 calls KMS as the caller', () => {
  let h: Harness;
  let root: S3Client;
  let kms: KMSClient;
  let keyArn: string;
  const as = (name: string) => s3Client(h, keyOf(name));
  before(async () => {
    h = await Harness.start({ seed: SEED });
    root = s3Client(h, ALPHA_ROOT);
    kms = kmsClient(h.endpoint, ALPHA_ROOT);
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'sse' }))).KeyMetadata!.Arn!;
    await root.send(new CreateBucketCommand({ Bucket: 'vault' }));
    await root.send(new PutObjectCommand({ Bucket: 'vault', Key: 'doc', Body: 'top secret', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
  });
  after(() => h.stop());

  it('PutObject with s3:PutObject + kms:GenerateDataKey only (no kms:Encrypt) succeeds', async () => {
    const put = await as('writer').send(new PutObjectCommand({ Bucket: 'vault', Key: 'by-writer', Body: 'w', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
    assert.equal(put.ServerSideEncryption, 'aws:kms');
    assert.equal(put.SSEKMSKeyId, keyArn);
  });

  it('PutObject without kms:GenerateDataKey is 403 AccessDenied naming kms:GenerateDataKey', async () => {
    const e = await failure(() => as('nokms').send(new PutObjectCommand({ Bucket: 'vault', Key: 'x', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn })));
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.name, 'AccessDenied');
    assert.match(e.message, /User: arn:aws:iam::111111111111:user\/nokms is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:/);
    // Nothing was stored.
    const missing = await failure(() => root.send(new GetObjectCommand({ Bucket: 'vault', Key: 'x' })));
    assert.equal(missing.name, 'NoSuchKey');
  });

  it('GetObject without kms:Decrypt is 403 naming kms:Decrypt; with it, the data', async () => {
    const e = await failure(() => as('nokms').send(new GetObjectCommand({ Bucket: 'vault', Key: 'doc' })));
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.name, 'AccessDenied');
    assert.match(e.message, /is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:/);
    const got = await as('reader').send(new GetObjectCommand({ Bucket: 'vault', Key: 'doc' }));
    assert.equal(await got.Body!.transformToString(), 'top secret');
    assert.equal(got.SSEKMSKeyId, keyArn);
  });

  it('multipart without kms:Decrypt: CreateMultipartUpload succeeds, UploadPart is 403 (the classic trap)', async () => {
    const c = as('mpu');
    const mpu = await c.send(new CreateMultipartUploadCommand({ Bucket: 'vault', Key: 'big', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
    assert.equal(mpu.SSEKMSKeyId, keyArn);
    const e = await failure(() => c.send(new UploadPartCommand({ Bucket: 'vault', Key: 'big', UploadId: mpu.UploadId, PartNumber: 1, Body: 'part' })));
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.match(e.message, /kms:Decrypt/);
    // The same upload with a caller that may Decrypt works.
    const ok = await root.send(new UploadPartCommand({ Bucket: 'vault', Key: 'big', UploadId: mpu.UploadId, PartNumber: 1, Body: 'part' }));
    assert.equal(ok.SSEKMSKeyId, keyArn);
  });

  it('the KMS calls are in the audit trail as the caller, invokedBy s3.amazonaws.com, with the object ARN as context', async () => {
    const rows = storedRows(h.dataDir).map((r) => r.record).filter((r) => r.eventSource === 'kms.amazonaws.com' && r.userIdentity?.invokedBy === 's3.amazonaws.com');
    const gdk = rows.find((r) => r.eventName === 'GenerateDataKey' && r.userIdentity.arn === userArn(ALPHA, 'writer'));
    assert.ok(gdk, 'GenerateDataKey by writer');
    assert.equal(gdk.errorCode, undefined);
    assert.deepEqual(gdk.requestParameters.encryptionContext, { 'aws:s3:arn': 'arn:aws:s3:::vault/by-writer' });
    assert.equal(gdk.requestParameters.keySpec, 'AES_256');
    assert.deepEqual(gdk.resources, [{ accountId: ALPHA, type: 'AWS::KMS::Key', ARN: keyArn }]);
    const denied = rows.find((r) => r.eventName === 'Decrypt' && r.userIdentity.arn === userArn(ALPHA, 'nokms'));
    assert.equal(denied?.errorCode, 'AccessDenied');
    const read = rows.find((r) => r.eventName === 'Decrypt' && r.userIdentity.arn === userArn(ALPHA, 'reader'));
    assert.ok(read && read.errorCode === undefined);
    // No data key in any record.
    assert.ok(!JSON.stringify(rows).includes('"plaintext"'));
  });

  it('a key policy condition on kms:EncryptionContext:aws:s3:arn allows one prefix only', async () => {
    const prefixKey = (await kms.send(new CreateKeyCommand({ Description: 'prefix' }))).KeyMetadata!.Arn!;
    await kms.send(new PutKeyPolicyCommand({
      KeyId: prefixKey, PolicyName: 'default',
      Policy: JSON.stringify(doc(
        { Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALPHA}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'prefix', Effect: 'Allow', Principal: { AWS: userArn(ALPHA, 'prefixer') }, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*',
          Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::vault/allowed/*' }, StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
        },
      )),
    }));
    const c = as('prefixer');
    await c.send(new PutObjectCommand({ Bucket: 'vault', Key: 'allowed/one', Body: 'ok', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: prefixKey }));
    assert.equal(await (await c.send(new GetObjectCommand({ Bucket: 'vault', Key: 'allowed/one' }))).Body!.transformToString(), 'ok');
    const e = await failure(() => c.send(new PutObjectCommand({ Bucket: 'vault', Key: 'other/one', Body: 'no', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: prefixKey })));
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.match(e.message, /kms:GenerateDataKey/);
    // The same user calling KMS directly (no kms:ViaService) is refused by the same policy.
    const direct = kmsClient(h.endpoint, keyOf('prefixer'));
    const { GenerateDataKeyCommand } = await import('@aws-sdk/client-kms');
    const d = await failure(() => direct.send(new GenerateDataKeyCommand({ KeyId: prefixKey, KeySpec: 'AES_256', EncryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::vault/allowed/x' } })));
    assert.equal(d.name, 'AccessDeniedException');
  });

  it('cross-account SSE-KMS needs both sides: the bucket policy alone (key policy silent) is 403; with the key policy it works', async () => {
    const shared = (await kms.send(new CreateKeyCommand({ Description: 'shared' }))).KeyMetadata!.Arn!;
    await root.send(new PutBucketPolicyCommand({
      Bucket: 'vault',
      Policy: JSON.stringify(doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${BETA}:root` }, Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::vault/*' })),
    }));
    const bob = as('bob');
    const e = await failure(() => bob.send(new PutObjectCommand({ Bucket: 'vault', Key: 'from-bob', Body: 'b', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: shared })));
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.name, 'AccessDenied');
    await kms.send(new PutKeyPolicyCommand({
      KeyId: shared, PolicyName: 'default',
      Policy: JSON.stringify(doc(
        { Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALPHA}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'beta', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${BETA}:root` }, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*' },
      )),
    }));
    const put = await bob.send(new PutObjectCommand({ Bucket: 'vault', Key: 'from-bob', Body: 'b', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: shared }));
    assert.equal(put.SSEKMSKeyId, shared);
    assert.equal(await (await bob.send(new GetObjectCommand({ Bucket: 'vault', Key: 'from-bob' }))).Body!.transformToString(), 'b');
    // Without a key id, a caller of another account gets the bucket owner's aws/s3, whose policy admits only the owner's account.
    const managed = await failure(() => bob.send(new PutObjectCommand({ Bucket: 'vault', Key: 'from-bob-managed', Body: 'b', ServerSideEncryption: 'aws:kms' })));
    assert.equal(managed.$metadata.httpStatusCode, 403);
    assert.match(managed.message, /kms:GenerateDataKey/);
    // The key owner's trail has a copy of bob's GenerateDataKey (cross-account KMS use is logged in both accounts).
    const copies = storedRows(h.dataDir).filter((r) => r.account === ALPHA && r.record.eventName === 'GenerateDataKey' && r.record.userIdentity?.accountId === BETA);
    assert.ok(copies.length >= 1);
  });
});
