/**
 * The explainer on S3 calls with SSE-KMS, through the API door and the CLI door: the S3
 * authorization (identity policies, bucket policy) and the KMS call S3 makes as the caller —
 * GenerateDataKey for PutObject / CreateMultipartUpload, Decrypt for GetObject / UploadPart, with
 * kms:ViaService s3.us-east-1.amazonaws.com and the context aws:s3:arn = the object ARN. The fix
 * names the missing kms action; applied through the real IAM API, the caller's KMS call with S3's
 * context succeeds (and S3-side fixes make the real S3 call succeed).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateAliasCommand, CreateKeyCommand, DecryptCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Harness, iamClient, s3Client, type Credentials } from './harness.js';
import { failure, locksmith } from './audit-helpers.js';
import { explainApi, type Answer } from './explain-helpers.js';

const ALPHA = '111111111111';
const BETA = '222222222222';
const ALPHA_ROOT = { accessKeyId: 'AKIAALPHAROOT0000001', secretAccessKey: 'alpha-root-secret' };
const BETA_ROOT = { accessKeyId: 'AKIABETAROOT00000001', secretAccessKey: 'beta-root-secret' };
const BOB = { accessKeyId: 'AKIABOB0000000000001', secretAccessKey: 'bob-secret' };
const BUCKET = 'media';
const object = (key: string) => `arn:aws:s3:::${BUCKET}/${key}`;
const VIA = 's3.us-east-1.amazonaws.com';

describe('explain S3 calls with SSE-KMS', () => {
  let h: Harness;
  let key: string;
  const users = new Map<string, Credentials>();
  const kmsClients: KMSClient[] = [];
  const s3Clients: S3Client[] = [];
  const kms = (c: Credentials) => {
    const k = h.client(c);
    kmsClients.push(k);
    return k;
  };
  const s3 = (c: Credentials) => {
    const k = s3Client(h, c);
    s3Clients.push(k);
    return k;
  };
  const explain = async (body: object): Promise<Answer> => {
    const r = await explainApi(h, body, ALPHA_ROOT);
    assert.equal(r.status, 200, r.text);
    return r.json as Answer;
  };
  const failing = (a: Answer) => a.path.filter((s) => !s.ok).map((s) => s.step);
  const arnOf = (name: string) => `arn:aws:iam::${ALPHA}:user/${name}`;
  /** A user of account alpha with one inline policy. */
  async function user(name: string, statements: object[]): Promise<void> {
    const iam = iamClient(h, ALPHA_ROOT);
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'app', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    users.set(name, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
  }
  const applyUserFix = (name: string, fix: Answer['fix']) =>
    iamClient(h, ALPHA_ROOT).send(new PutUserPolicyCommand({ UserName: name, PolicyName: fix.policyName, PolicyDocument: JSON.stringify(fix.policy) }));

  before(async () => {
    h = await Harness.start({ seedFile: join(import.meta.dirname, '../fixtures/seed-two-accounts.yaml') });
    await s3(ALPHA_ROOT).send(new CreateBucketCommand({ Bucket: BUCKET }));
    key = (await kms(ALPHA_ROOT).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await kms(ALPHA_ROOT).send(new CreateAliasCommand({ AliasName: 'alias/media', TargetKeyId: key }));
    const s3Put = { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*` };
    const s3Get = { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` };
    await user('uploader', [s3Put, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: key }]);
    await user('reader', [s3Get, { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: key }]);
    await user('parts', [s3Put, { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: key }]);
    await user('nos3', [{ Effect: 'Allow', Action: 'kms:*', Resource: key }]);
  });
  after(async () => {
    for (const c of kmsClients) c.destroy();
    for (const c of s3Clients) c.destroy();
    await h.stop();
  });

  it('PutObject without kms:GenerateDataKey: S3 allows, the GenerateDataKey S3 makes as the caller is denied; the fix names it (API and CLI doors)', async () => {
    const body = { Principal: arnOf('uploader'), Action: 's3:PutObject', Resource: object('report.pdf'), SseKmsKeyId: 'alias/media' };
    const a = await explain(body);
    assert.equal(a.verdict, 'DENIED');
    assert.equal(a.error, 'AccessDenied');
    assert.equal(a.message, `User: ${arnOf('uploader')} is not authorized to perform: kms:GenerateDataKey on resource: ${key} because no identity-based policy allows the kms:GenerateDataKey action`);
    assert.deepEqual(failing(a), ['kmsCall', 'identityPolicies', 'grants']);
    const call = a.path.find((s) => s.step === 'kmsCall')!.detail;
    assert.ok(call.includes(`S3 calls kms:GenerateDataKey on ${key} as ${arnOf('uploader')} (kms:ViaService ${VIA}, encryption context {"aws:s3:arn":"${object('report.pdf')}"})`), call);
    assert.ok(a.path.find((s) => s.step === 's3IdentityPolicies')!.ok);
    assert.equal(a.request.conditionKeys['s3:x-amz-server-side-encryption-aws-kms-key-id'], key);
    assert.ok(a.statements.some((s) => s.call === 's3:PutObject' && s.matched && s.effect === 'Allow'));
    assert.deepEqual([a.fix.kind, a.fix.target, a.fix.policyName], ['PutUserPolicy', 'uploader', 'locksmith-explain-kms-GenerateDataKey']);
    assert.deepEqual(a.fix.statement, { Sid: 'AllowGenerateDataKey', Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: key });
    assert.match(a.fix.summary, /^S3 calls kms:GenerateDataKey on the SSE-KMS key as the caller: /);

    const cli = await locksmith('explain', '--json', '--data-dir', h.dataDir, '--principal', arnOf('uploader'), '--action', 's3:PutObject', '--resource', object('report.pdf'), '--sse-kms-key-id', 'alias/media');
    assert.equal(cli.code, 2, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout), a, 'both doors give the same answer');

    const uploaderKms = kms(users.get('uploader')!);
    const s3Context = { EncryptionContext: { 'aws:s3:arn': object('report.pdf') } };
    await failure(() => uploaderKms.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256', ...s3Context })));
    await applyUserFix('uploader', a.fix);
    await uploaderKms.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256', ...s3Context }));
    assert.equal((await explain(body)).verdict, 'ALLOWED');
  });

  it('GetObject without kms:Decrypt: the Decrypt S3 makes as the caller is denied; the fix names kms:Decrypt', async () => {
    const s3Context = { 'aws:s3:arn': object('report.pdf') };
    const { CiphertextBlob } = await kms(ALPHA_ROOT).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('data key'), EncryptionContext: s3Context }));
    const body = { Principal: arnOf('reader'), Action: 's3:GetObject', Resource: object('report.pdf'), SseKmsKeyId: key };
    const a = await explain(body);
    assert.deepEqual([a.verdict, a.error], ['DENIED', 'AccessDenied']);
    assert.match(a.message!, /is not authorized to perform: kms:Decrypt on resource/);
    assert.deepEqual(failing(a), ['kmsCall', 'identityPolicies', 'grants']);
    assert.deepEqual(a.fix.statement, { Sid: 'AllowDecrypt', Effect: 'Allow', Action: 'kms:Decrypt', Resource: key });
    const readerKms = kms(users.get('reader')!);
    await failure(() => readerKms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: s3Context })));
    await applyUserFix('reader', a.fix);
    await readerKms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: s3Context }));
    assert.equal((await explain(body)).verdict, 'ALLOWED');
  });

  it('multipart without kms:Decrypt: CreateMultipartUpload is allowed (GenerateDataKey), UploadPart is denied (Decrypt)', async () => {
    const start = await explain({ Principal: arnOf('parts'), Action: 's3:CreateMultipartUpload', Resource: object('big.iso'), SseKmsKeyId: key });
    assert.equal(start.verdict, 'ALLOWED', JSON.stringify(start.path));
    assert.match(start.path.find((s) => s.step === 'kmsCall')!.detail, /S3 calls kms:GenerateDataKey/);
    const part = await explain({ Principal: arnOf('parts'), Action: 's3:UploadPart', Resource: object('big.iso'), SseKmsKeyId: key });
    assert.deepEqual([part.verdict, part.error, part.request.action], ['DENIED', 'AccessDenied', 's3:PutObject'], 'UploadPart is authorized as s3:PutObject');
    assert.match(part.path.find((s) => s.step === 'kmsCall')!.detail, /S3 calls kms:Decrypt on .* encryption context \{"aws:s3:arn":"arn:aws:s3:::media\/big.iso"\}/);
    assert.deepEqual([part.fix.kind, (part.fix.statement as { Action: string }).Action], ['PutUserPolicy', 'kms:Decrypt']);
    await applyUserFix('parts', part.fix);
    assert.equal((await explain({ Principal: arnOf('parts'), Action: 's3:UploadPart', Resource: object('big.iso'), SseKmsKeyId: key })).verdict, 'ALLOWED');
  });

  it('no s3:PutObject: the S3 side fails first; the fix is an identity policy for the object, and the real PutObject then succeeds', async () => {
    const nos3 = s3(users.get('nos3')!);
    const denied = await failure(() => nos3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x.txt', Body: 'x' })));
    const a = await explain({ Principal: arnOf('nos3'), Action: 's3:PutObject', Resource: object('x.txt'), SseKmsKeyId: key });
    assert.deepEqual([a.verdict, a.error, a.message], ['DENIED', 'AccessDenied', denied.message]);
    assert.deepEqual(failing(a), ['s3IdentityPolicies'], 'the KMS call S3 would make is allowed');
    assert.deepEqual(a.fix.statement, { Sid: 'AllowPutObject', Effect: 'Allow', Action: 's3:PutObject', Resource: object('x.txt') });
    await applyUserFix('nos3', a.fix);
    await nos3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x.txt', Body: 'x' }));
  });

  it('a bucket policy denying uploads without SSE-KMS: the Deny is named; with SSE-KMS the upload is allowed', async () => {
    await s3(ALPHA_ROOT).send(new CreateBucketCommand({ Bucket: 'strict' }));
    const deny = { Sid: 'RequireKms', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::strict/*', Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } };
    await s3(ALPHA_ROOT).send(new PutBucketPolicyCommand({ Bucket: 'strict', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [deny] }) }));
    const plain = await explain({ Principal: arnOf('nos3'), Action: 's3:PutObject', Resource: 'arn:aws:s3:::strict/a' });
    assert.deepEqual([plain.verdict, failing(plain)], ['DENIED', ['s3IdentityPolicies', 's3ExplicitDeny']]);
    assert.deepEqual([plain.fix.kind, plain.fix.statement], ['RemoveDeny', deny]);
    const withKms = await explain({ Principal: arnOf('nos3'), Action: 's3:PutObject', Resource: 'arn:aws:s3:::strict/a', SseKmsKeyId: key });
    assert.ok(withKms.path.find((s) => s.step === 's3ExplicitDeny')!.ok);
  });

  it('the API door shows an S3 call only to a caller that may read the bucket policy and the SSE-KMS key policy (alias resolved first)', async () => {
    const alice = `arn:aws:iam::${ALPHA}:user/alice`;
    const ALICE = { accessKeyId: 'AKIAALICE00000000001', secretAccessKey: 'alice-secret' };
    const body = { Action: 's3:PutObject', Resource: object('mine'), SseKmsKeyId: 'alias/media' };
    let r = await explainApi(h, body, ALICE);
    assert.deepEqual([r.status, r.json.__type], [400, 'AccessDeniedException']);
    assert.equal(r.json.message, `User: ${alice} is not authorized to perform: s3:GetBucketPolicy on resource: "arn:aws:s3:::${BUCKET}" because no identity-based policy allows the s3:GetBucketPolicy action`);
    const read: { Version: string; Statement: object[] } = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetBucketPolicy', Resource: `arn:aws:s3:::${BUCKET}` }] };
    await iamClient(h, ALPHA_ROOT).send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'read-bucket', PolicyDocument: JSON.stringify(read) }));
    r = await explainApi(h, body, ALICE);
    assert.deepEqual([r.status, r.json.__type], [400, 'AccessDeniedException']);
    assert.match(r.json.message, new RegExp(`^User: ${alice} is not authorized to perform: kms:GetKeyPolicy on resource: ${key} `));
    read.Statement.push({ Effect: 'Allow', Action: ['kms:GetKeyPolicy', 'kms:ListGrants'], Resource: key });
    await iamClient(h, ALPHA_ROOT).send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'read-bucket', PolicyDocument: JSON.stringify(read) }));
    r = await explainApi(h, body, ALICE);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.json.verdict, r.json.request.principal, r.json.fix.kind], ['DENIED', alice, 'PutUserPolicy'], 'alice has no s3:PutObject');
  });

  it('cross-account upload (CLI door, which reads both accounts): the bucket policy first, then the caller\'s own IAM policy', async () => {
    const bob = `arn:aws:iam::${BETA}:user/bob`;
    const args = ['explain', '--json', '--data-dir', h.dataDir, '--principal', bob, '--action', 's3:PutObject', '--resource', object('from-bob')];
    const first = JSON.parse((await locksmith(...args)).stdout) as Answer;
    assert.deepEqual([first.verdict, failing(first)], ['DENIED', ['bucketPolicy', 's3IdentityPolicies']]);
    assert.deepEqual([first.fix.kind, first.fix.target], ['PutBucketPolicy', BUCKET]);
    await s3(ALPHA_ROOT).send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify(first.fix.policy) }));
    const second = JSON.parse((await locksmith(...args)).stdout) as Answer;
    assert.deepEqual([second.verdict, failing(second), second.fix.kind, second.fix.target], ['DENIED', ['s3IdentityPolicies'], 'PutUserPolicy', 'bob']);
    await iamClient(h, BETA_ROOT).send(new PutUserPolicyCommand({ UserName: 'bob', PolicyName: second.fix.policyName, PolicyDocument: JSON.stringify(second.fix.policy) }));
    await s3(BOB).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'from-bob', Body: 'hi' }));
    assert.equal(JSON.parse((await locksmith(...args)).stdout).verdict, 'ALLOWED');
  });
});
