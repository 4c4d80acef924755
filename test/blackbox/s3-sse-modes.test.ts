import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketEncryptionCommand, GetBucketEncryptionCommand, GetObjectCommand,
  HeadObjectCommand, PutBucketEncryptionCommand, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, ScheduleKeyDeletionCommand, type KMSClient,
} from '@aws-sdk/client-kms';
import { Harness, kmsClient, s3Client } from './harness.js';
import { failure } from './audit-helpers.js';

/** Server-side encryption modes, defaults and errors as S3 answers them (s3-sse-facts.md; S3 API Reference, PutObject / PutBucketEncryption). */
const md5 = (s: string) => `"${createHash('md5').update(s).digest('hex')}"`;
const b64json = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64');

/** A client that records every response's raw headers into `seen`. */
function capturing(c: S3Client, seen: Array<Record<string, string>>): S3Client {
  c.middlewareStack.add((next) => async (args) => {
    const r = await next(args);
    seen.push((r.response as { headers: Record<string, string> }).headers);
    return r;
  }, { step: 'deserialize', name: 'captureHeaders' });
  return c;
}

/** A client that adds `headers` to every request before signing (shapes the SDK will not send). */
function withHeaders(c: S3Client, headers: Record<string, string>): S3Client {
  c.middlewareStack.add((next) => async (args) => {
    Object.assign((args.request as { headers: Record<string, string> }).headers, headers);
    return next(args);
  }, { step: 'build', name: 'extraHeaders' });
  return c;
}

describe('S3 server-side encryption: modes, bucket defaults, errors', () => {
  let h: Harness;
  let s3: S3Client;
  let kms: KMSClient;
  let keyArn: string;
  let keyId: string;
  const text = async (Bucket: string, Key: string) => (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
  before(async () => {
    h = await Harness.start();
    s3 = s3Client(h);
    kms = h.kms;
    const k = (await kms.send(new CreateKeyCommand({ Description: 'sse modes' }))).KeyMetadata!;
    keyArn = k.Arn!;
    keyId = k.KeyId!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/objects', TargetKeyId: keyId }));
    await s3.send(new CreateBucketCommand({ Bucket: 'modes' }));
  });
  after(() => h.stop());

  it('every object is SSE-S3 by default: AES256 on Put/Get/Head, ETag = MD5, GetBucketEncryption answers AES256', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'plain', Body: 'default encrypted' }));
    assert.equal(put.ServerSideEncryption, 'AES256');
    assert.equal(put.ETag, md5('default encrypted'));
    assert.equal(put.SSEKMSKeyId, undefined);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'modes', Key: 'plain' }));
    assert.equal(got.ServerSideEncryption, 'AES256');
    assert.equal(await got.Body!.transformToString(), 'default encrypted');
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'modes', Key: 'plain' }))).ServerSideEncryption, 'AES256');
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'modes' }));
    const rule = enc.ServerSideEncryptionConfiguration!.Rules![0]!;
    assert.equal(rule.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, 'AES256');
    assert.equal(rule.BucketKeyEnabled, false);
    // What the bucket enforces is what it reports: SSE-C writes are blocked on new buckets since April 2026.
    assert.deepEqual(rule.BlockedEncryptionTypes?.EncryptionType, ['SSE-C']);
  });

  it('aws:kms without a key id uses the AWS managed key alias/aws/s3, created on first use (KeyManager AWS)', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'managed', Body: 'm', ServerSideEncryption: 'aws:kms' }));
    const managed = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata!;
    assert.equal(managed.KeyManager, 'AWS');
    assert.equal(put.SSEKMSKeyId, managed.Arn);
    assert.notEqual(put.ETag, md5('m'), 'SSE-KMS ETags are not the MD5');
    assert.equal(await text('modes', 'managed'), 'm');
    // A caller cannot manage an AWS managed key.
    assert.equal((await failure(() => kms.send(new DisableKeyCommand({ KeyId: managed.KeyId })))).name, 'AccessDeniedException');
  });

  it('key id, alias and key ARN are accepted; responses carry the key ARN; context echoed on Put only; bucket-key header omitted when false', async () => {
    const ctx = { department: 'finance' };
    for (const [Key, id] of [['by-id', keyId], ['by-alias', 'alias/objects'], ['by-arn', keyArn]] as const) {
      const put = await s3.send(new PutObjectCommand({ Bucket: 'modes', Key, Body: Key, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id, SSEKMSEncryptionContext: b64json(ctx) }));
      assert.equal(put.ServerSideEncryption, 'aws:kms');
      assert.equal(put.SSEKMSKeyId, keyArn);
      assert.equal(put.BucketKeyEnabled, undefined);
      assert.deepEqual(JSON.parse(Buffer.from(put.SSEKMSEncryptionContext!, 'base64').toString()), { ...ctx, 'aws:s3:arn': `arn:aws:s3:::modes/${Key}` });
      const seen: Array<Record<string, string>> = [];
      const got = await capturing(s3Client(h), seen).send(new GetObjectCommand({ Bucket: 'modes', Key }));
      assert.equal(got.SSEKMSKeyId, keyArn);
      assert.equal(seen[0]!['x-amz-server-side-encryption-aws-kms-key-id'], keyArn);
      assert.equal(seen[0]!['x-amz-server-side-encryption-context'], undefined, 'the context is not echoed on GET');
      assert.equal(seen[0]!['x-amz-server-side-encryption-bucket-key-enabled'], undefined);
      assert.equal(await got.Body!.transformToString(), Key);
    }
  });

  it('DSSE-KMS (aws:kms:dsse) round-trips with the key ARN in the headers', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'dsse', Body: 'two layers', ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: 'alias/objects' }));
    assert.equal(put.ServerSideEncryption, 'aws:kms:dsse');
    assert.equal(put.SSEKMSKeyId, keyArn);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'modes', Key: 'dsse' }));
    assert.equal(got.ServerSideEncryption, 'aws:kms:dsse');
    assert.equal(await got.Body!.transformToString(), 'two layers');
  });

  it('KMS errors as S3 answers them: unknown key, key of another Region, asymmetric key, key id without aws:kms', async () => {
    const unknown = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'e', Body: 'e', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: '11111111-2222-3333-4444-555555555555' })));
    assert.equal(unknown.name, 'KMS.NotFoundException');
    assert.equal(unknown.$metadata.httpStatusCode, 400);
    const euKey = (await kmsClient(h.endpoint, h.credentials, 'eu-west-1').send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const region = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'e', Body: 'e', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: euKey })));
    assert.equal(region.name, 'KMS.NotFoundException');
    assert.match(region.message, /Invalid arn eu-west-1/);
    const rsa = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }))).KeyMetadata!.Arn!;
    const asym = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'e', Body: 'e', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: rsa })));
    assert.equal(asym.$metadata.httpStatusCode, 400);
    assert.equal(asym.name, 'KMS.InvalidKeyUsageException');
    const hmac = (await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!.Arn!;
    assert.equal((await failure(() => s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'e', Body: 'e', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: hmac })))).name, 'KMS.InvalidKeyUsageException');
    const noAlg = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'e', Body: 'e', SSEKMSKeyId: keyArn })));
    assert.equal(noAlg.name, 'InvalidArgument');
    assert.match(noAlg.message, /requires HTTP header x-amz-server-side-encryption : aws:kms/);
    const badContext = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'e', Body: 'e', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: Buffer.from('[1,2]').toString('base64') })));
    assert.equal(badContext.name, 'InvalidArgument');
    const surrogate = await failure(() => s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'e', Body: 'e', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: Buffer.from('{"a":"\\ud800"}').toString('base64') })));
    assert.equal(surrogate.name, 'InvalidArgument');
    const badAlg = await failure(() => withHeaders(s3Client(h), { 'x-amz-server-side-encryption': 'aws:nope' }).send(new PutObjectCommand({ Bucket: 'modes', Key: 'e', Body: 'e' })));
    assert.equal(badAlg.name, 'InvalidArgument');
  });

  it('DisableKey breaks PUT and GET with 400 KMS.DisabledException; EnableKey restores them; pending deletion is KMS.KMSInvalidStateException', async () => {
    const k = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'switch', Body: 'on', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k.KeyId }));
    await kms.send(new DisableKeyCommand({ KeyId: k.KeyId }));
    const get = await failure(() => s3.send(new GetObjectCommand({ Bucket: 'modes', Key: 'switch' })));
    assert.equal(get.name, 'KMS.DisabledException');
    assert.equal(get.$metadata.httpStatusCode, 400);
    assert.match(get.message, new RegExp(`${k.Arn} is disabled.`));
    assert.equal((await failure(() => s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'switch2', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k.KeyId })))).name, 'KMS.DisabledException');
    await kms.send(new EnableKeyCommand({ KeyId: k.KeyId }));
    assert.equal(await text('modes', 'switch'), 'on');
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
    const pending = await failure(() => s3.send(new GetObjectCommand({ Bucket: 'modes', Key: 'switch' })));
    assert.equal(pending.name, 'KMS.KMSInvalidStateException');
    assert.match(pending.message, /is pending deletion/);
  });

  it('SSE headers on UploadPart / CompleteMultipartUpload and on GET of an SSE-S3/SSE-KMS object are 400', async () => {
    const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'modes', Key: 'mp' }));
    assert.equal(mpu.ServerSideEncryption, 'AES256');
    const part = await failure(() => withHeaders(s3Client(h), { 'x-amz-server-side-encryption': 'AES256' }).send(new UploadPartCommand({ Bucket: 'modes', Key: 'mp', UploadId: mpu.UploadId, PartNumber: 1, Body: 'p' })));
    assert.equal(part.name, 'InvalidArgument');
    assert.equal(part.message, 'x-amz-server-side-encryption header is not supported for this operation.');
    const get = await failure(() => withHeaders(s3Client(h), { 'x-amz-server-side-encryption': 'AES256' }).send(new GetObjectCommand({ Bucket: 'modes', Key: 'plain' })));
    assert.equal(get.$metadata.httpStatusCode, 400);
  });

  it('bucket default encryption: Put/Get/Delete with validation; objects take the default, headers override, CopyObject takes the destination default', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'kms-default' }));
    await s3.send(new PutBucketEncryptionCommand({
      Bucket: 'kms-default',
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/objects' }, BucketKeyEnabled: true }] },
    }));
    const rule = (await s3.send(new GetBucketEncryptionCommand({ Bucket: 'kms-default' }))).ServerSideEncryptionConfiguration!.Rules![0]!;
    assert.equal(rule.ApplyServerSideEncryptionByDefault!.KMSMasterKeyID, 'alias/objects', 'echoed as given');
    assert.equal(rule.BucketKeyEnabled, true);
    const byDefault = await s3.send(new PutObjectCommand({ Bucket: 'kms-default', Key: 'd', Body: 'd' }));
    assert.equal(byDefault.ServerSideEncryption, 'aws:kms');
    assert.equal(byDefault.SSEKMSKeyId, keyArn);
    assert.equal(byDefault.BucketKeyEnabled, true);
    const overridden = await s3.send(new PutObjectCommand({ Bucket: 'kms-default', Key: 'o', Body: 'o', ServerSideEncryption: 'AES256' }));
    assert.equal(overridden.ServerSideEncryption, 'AES256');
    const copied = await s3.send(new CopyObjectCommand({ Bucket: 'kms-default', Key: 'copied', CopySource: 'modes/plain' }));
    assert.equal(copied.ServerSideEncryption, 'aws:kms');
    assert.equal(copied.SSEKMSKeyId, keyArn);
    assert.equal(await text('kms-default', 'copied'), 'default encrypted');
    // In place, with new SSE settings: legal, re-encrypted.
    const inPlace = await s3.send(new CopyObjectCommand({ Bucket: 'kms-default', Key: 'o', CopySource: 'kms-default/o', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId }));
    assert.equal(inPlace.SSEKMSKeyId, keyArn);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'kms-default', Key: 'o' }))).ServerSideEncryption, 'aws:kms');
    assert.equal(await text('kms-default', 'o'), 'o');
    const same = await failure(() => s3.send(new CopyObjectCommand({ Bucket: 'kms-default', Key: 'o', CopySource: 'kms-default/o' })));
    assert.equal(same.name, 'InvalidRequest');
    assert.equal((await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'kms-default' }))).$metadata.httpStatusCode, 204);
    assert.equal((await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'kms-default' }))).$metadata.httpStatusCode, 204);
    const reset = (await s3.send(new GetBucketEncryptionCommand({ Bucket: 'kms-default' }))).ServerSideEncryptionConfiguration!.Rules![0]!;
    assert.equal(reset.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, 'AES256');
    assert.equal((await s3.send(new PutObjectCommand({ Bucket: 'kms-default', Key: 'after', Body: 'a' }))).ServerSideEncryption, 'AES256');
  });

  it('PutBucketEncryption validation: KMSMasterKeyID with AES256 is InvalidArgument, two rules or none MalformedXML; BlockedEncryptionTypes stored', async () => {
    const put = (Rules: object[]) => s3.send(new PutBucketEncryptionCommand({ Bucket: 'modes', ServerSideEncryptionConfiguration: { Rules } as never }));
    const withKey = await failure(() => put([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: keyArn } }]));
    assert.equal(withKey.name, 'InvalidArgument');
    assert.equal(withKey.message, 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse');
    const rule = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } };
    assert.equal((await failure(() => put([rule, rule]))).name, 'MalformedXML');
    assert.equal((await failure(() => put([]))).name, 'MalformedXML');
    await put([{ ...rule, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }]);
    const got = (await s3.send(new GetBucketEncryptionCommand({ Bucket: 'modes' }))).ServerSideEncryptionConfiguration!.Rules![0]!;
    assert.deepEqual(got.BlockedEncryptionTypes?.EncryptionType, ['SSE-C']);
  });
});
