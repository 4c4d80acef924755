/**
 * The explainer's API door, LocksmithService.Explain (awsJson1.1, SigV4 service `locksmith`), on
 * the classic "why was I denied?" stories: each asserts the verdict, the failing element (step,
 * statement, condition and the value seen) and the fix; for several, applying the fix through the
 * real API (PutKeyPolicy, PutRolePolicy, CreateGrant, PutUserPolicy, EnableKey…) makes the original
 * call succeed. Requests are signed by the independent @smithy/signature-v4 signer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CancelKeyDeletionCommand, CreateGrantCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand,
  EncryptCommand, GenerateDataKeyCommand, KMSClient, PutKeyPolicyCommand, ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { CreateAccessKeyCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { Harness, iamClient, stsClient, type Credentials } from './harness.js';
import { failure, recordsOf, requestIdOf } from './audit-helpers.js';
import { explainApi, type Answer } from './explain-helpers.js';

const ALPHA = '111111111111';
const BETA = '222222222222';
const ALPHA_ROOT = { accessKeyId: 'AKIAALPHAROOT0000001', secretAccessKey: 'alpha-root-secret' };
const ALICE = { accessKeyId: 'AKIAALICE00000000001', secretAccessKey: 'alice-secret' };
const AUDITOR = { accessKeyId: 'AKIAAUDITOR000000001', secretAccessKey: 'auditor-secret' };
const BETA_ROOT = { accessKeyId: 'AKIABETAROOT00000001', secretAccessKey: 'beta-root-secret' };
const BOB = { accessKeyId: 'AKIABOB0000000000001', secretAccessKey: 'bob-secret' };
const APP_KEY = `arn:aws:kms:us-east-1:${ALPHA}:key/11111111-2222-3333-4444-555555555555`;
const SCRATCH_KEY = `arn:aws:kms:us-east-1:${ALPHA}:key/11111111-2222-3333-4444-666666666666`;
const alice = `arn:aws:iam::${ALPHA}:user/alice`;
const ADMIN = { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALPHA}:root` }, Action: ['kms:PutKeyPolicy', 'kms:GetKeyPolicy', 'kms:ListGrants', 'kms:DescribeKey'], Resource: '*' };

describe('LocksmithService.Explain', () => {
  let h: Harness;
  const clients: KMSClient[] = [];
  const as = (c: Credentials, region?: string) => {
    const k = h.client(c, region);
    clients.push(k);
    return k;
  };
  const explain = (body: object, c: Credentials = ALPHA_ROOT, region?: string) => explainApi(h, body, c, region);
  const ok = async (body: object, c: Credentials = ALPHA_ROOT, region?: string): Promise<Answer> => {
    const r = await explain(body, c, region);
    assert.equal(r.status, 200, r.text);
    return r.json as Answer;
  };
  const failing = (a: Answer) => a.path.filter((s) => !s.ok).map((s) => s.step);
  const newKey = async (policy?: object) =>
    (await as(ALPHA_ROOT).send(new CreateKeyCommand({ Policy: policy && JSON.stringify(policy), BypassPolicyLockoutSafetyCheck: policy !== undefined }))).KeyMetadata!.Arn!;

  before(async () => {
    h = await Harness.start({ seedFile: join(import.meta.dirname, '../fixtures/seed-two-accounts.yaml') });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await h.stop();
  });

  it('Lambda-style role (assumed via STS) without kms:Decrypt: the role policy is missing; PutRolePolicy with the snippet fixes it', async () => {
    const { CiphertextBlob } = await as(ALPHA_ROOT).send(new EncryptCommand({ KeyId: SCRATCH_KEY, Plaintext: Buffer.from('x') }));
    const session = (await stsClient(h, ALICE).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ALPHA}:role/app`, RoleSessionName: 'lambda' }))).Credentials!;
    const roleKms = as({ accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! });
    const denied = await failure(() => roleKms.send(new DecryptCommand({ CiphertextBlob })));
    const sessionArn = `arn:aws:sts::${ALPHA}:assumed-role/app/lambda`;
    const a = await ok({ Principal: sessionArn, Action: 'kms:Decrypt', Resource: SCRATCH_KEY });
    assert.equal(a.verdict, 'DENIED');
    assert.equal(a.error, 'AccessDeniedException');
    assert.equal(a.message, denied.message, 'the explanation quotes the message the call got');
    assert.equal(a.request.principal, sessionArn);
    assert.deepEqual(failing(a), ['identityPolicies', 'grants']);
    assert.match(a.path.find((s) => s.step === 'identityPolicies')!.detail, /describe: no Allow matches kms:Decrypt/);
    assert.deepEqual([a.fix.kind, a.fix.target], ['PutRolePolicy', 'app']);
    assert.deepEqual(a.fix.policy, { Version: '2012-10-17', Statement: [{ Sid: 'AllowDecrypt', Effect: 'Allow', Action: 'kms:Decrypt', Resource: SCRATCH_KEY }] });
    assert.equal((a as { detail?: unknown }).detail, undefined, 'no engine internals on the wire');
    await iamClient(h, ALPHA_ROOT).send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: a.fix.policyName, PolicyDocument: JSON.stringify(a.fix.policy) }));
    assert.equal(Buffer.from((await roleKms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString(), 'x');
    assert.equal((await ok({ Principal: sessionArn, Action: 'kms:Decrypt', Resource: SCRATCH_KEY })).verdict, 'ALLOWED');
  });

  it('cross-account with one side only: the key policy does not name the other account; PutKeyPolicy with the snippet fixes it', async () => {
    const key = await newKey();
    await failure(() => as(BETA_ROOT).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') })));
    const a = await ok({ Principal: `arn:aws:iam::${BETA}:root`, Action: 'kms:Encrypt', Resource: key });
    assert.equal(a.verdict, 'DENIED');
    assert.deepEqual(failing(a), ['keyPolicy', 'grants']);
    assert.ok(a.path.find((s) => s.step === 'identityPolicies')!.ok, "the caller's own side allows");
    const miss = a.statements.find((s) => s.policy === 'keyPolicy default' && !s.matched)!;
    assert.deepEqual(miss.failed, ['Principal']);
    assert.equal(a.fix.kind, 'PutKeyPolicy');
    assert.deepEqual((a.fix.statement as { Principal: unknown }).Principal, { AWS: `arn:aws:iam::${BETA}:root` });
    await as(ALPHA_ROOT).send(new PutKeyPolicyCommand({ KeyId: key, PolicyName: 'default', Policy: JSON.stringify(a.fix.policy) }));
    await as(BETA_ROOT).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));
  });

  it('key policy without the root delegation: explained by a user the key policy and IAM let read; applying the fix lets alice in', async () => {
    const auditor = `arn:aws:iam::${ALPHA}:user/auditor`;
    const key = await newKey({ Version: '2012-10-17', Statement: [{ Sid: 'Auditor', Effect: 'Allow', Principal: { AWS: auditor }, Action: 'kms:*', Resource: '*' }] });
    await failure(() => as(ALICE).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') })));
    // The auditor may read the key policy, but not alice's IAM policies yet.
    const refused = await explain({ Principal: alice, Action: 'kms:Encrypt', Resource: key }, AUDITOR);
    assert.deepEqual([refused.status, refused.json.__type], [400, 'AccessDeniedException']);
    assert.match(refused.json.message, /^User: arn:aws:iam::111111111111:user\/auditor is not authorized to perform: iam:GetUserPolicy on resource: arn:aws:iam::111111111111:user\/alice/);
    const read = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:GetUserPolicy', 'iam:ListUserPolicies', 'iam:ListAttachedUserPolicies'], Resource: alice }] };
    await iamClient(h, ALPHA_ROOT).send(new PutUserPolicyCommand({ UserName: 'auditor', PolicyName: 'read-alice', PolicyDocument: JSON.stringify(read) }));
    const a = await ok({ Principal: alice, Action: 'kms:Encrypt', Resource: key }, AUDITOR);
    assert.equal(a.verdict, 'DENIED');
    assert.deepEqual(failing(a), ['keyPolicy', 'grants']);
    assert.match(a.path.find((s) => s.step === 'keyPolicy')!.detail, /does not delegate to IAM \(no Allow for arn:aws:iam::111111111111:root with kms:Encrypt\)/);
    assert.deepEqual(a.statements.find((s) => s.statement === '"Auditor"')!.failed, ['Principal']);
    assert.equal(a.fix.kind, 'PutKeyPolicy');
    assert.deepEqual(a.fix.statement, { Sid: 'EnableIAMUserPermissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALPHA}:root` }, Action: 'kms:*', Resource: '*' });
    await as(AUDITOR).send(new PutKeyPolicyCommand({ KeyId: key, PolicyName: 'default', Policy: JSON.stringify(a.fix.policy) }));
    await as(ALICE).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));
  });

  it('encryption-context condition mismatch: names the condition key and the value seen, also from the denied call\'s EventId; the fix admits it', async () => {
    const key = await newKey({
      Version: '2012-10-17',
      Statement: [
        ADMIN,
        { Sid: 'AliceBilling', Effect: 'Allow', Principal: { AWS: alice }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:app': 'billing' } } },
      ],
    });
    const denied = await failure(() => as(ALICE).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x'), EncryptionContext: { app: 'payroll' } })));
    const eventId = recordsOf(h, requestIdOf(denied))[0]!.eventID as string;
    for (const a of [
      await ok({ Principal: alice, Action: 'kms:Encrypt', Resource: key, EncryptionContext: { app: 'payroll' } }),
      await ok({ EventId: eventId }),
    ]) {
      assert.equal(a.verdict, 'DENIED');
      assert.equal(a.request.principal, alice);
      assert.deepEqual(a.statements.find((s) => s.statement === '"AliceBilling"')!.failed, ['Condition StringEquals kms:EncryptionContext:app (seen ["payroll"])']);
      assert.equal(a.fix.kind, 'PutKeyPolicy');
      assert.match(a.fix.summary, /the request has \["payroll"\], the statement wants \["billing"\]/);
    }
    const a = await ok({ EventId: eventId });
    await as(ALPHA_ROOT).send(new PutKeyPolicyCommand({ KeyId: key, PolicyName: 'default', Policy: JSON.stringify(a.fix.policy) }));
    await as(ALICE).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x'), EncryptionContext: { app: 'payroll' } }));
  });

  it('grant with the wrong constraint: names the grant and its constraint; CreateGrant with the suggested one fixes it', async () => {
    const { CiphertextBlob } = await as(ALICE).send(new EncryptCommand({ KeyId: APP_KEY, Plaintext: Buffer.from('x'), EncryptionContext: { purpose: 'review' } }));
    await failure(() => as(AUDITOR).send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { purpose: 'review' } })));
    const a = await ok({ Principal: `arn:aws:iam::${ALPHA}:user/auditor`, Action: 'kms:Decrypt', Resource: APP_KEY, EncryptionContext: { purpose: 'review' } });
    assert.equal(a.verdict, 'DENIED');
    const grants = a.path.find((s) => s.step === 'grants')!;
    assert.equal(grants.ok, false);
    assert.match(grants.detail, /constraint \{"EncryptionContextSubset":\{"purpose":"audit"\}\} does not admit the encryption context \{"purpose":"review"\}/);
    assert.equal(a.fix.kind, 'CreateGrant');
    assert.deepEqual(a.fix.grant!.Constraints, { EncryptionContextSubset: { purpose: 'review' } });
    await as(ALPHA_ROOT).send(new CreateGrantCommand(a.fix.grant as any));
    await as(AUDITOR).send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { purpose: 'review' } }));
  });

  it('AWS managed key used directly: allowed only through its service (kms:ViaService)', async () => {
    const key = (await as(ALPHA_ROOT).send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata!.Arn!;
    await failure(() => as(ALICE).send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256' })));
    const a = await ok({ Principal: alice, Action: 'kms:GenerateDataKey', Resource: key });
    assert.equal(a.verdict, 'DENIED');
    assert.equal(a.fix.kind, 'UseService');
    assert.match(a.fix.summary, /AWS managed key/);
    assert.ok(a.statements.some((s) => s.failed.includes('Condition StringEquals kms:ViaService (seen nothing)')), JSON.stringify(a.statements));
    assert.equal((await ok({ Principal: alice, Action: 'kms:GenerateDataKey', Resource: key, ViaService: 's3.us-east-1.amazonaws.com' })).verdict, 'ALLOWED');
  });

  it('key disabled, pending deletion, in another Region: the key state or Region step fails; each fix makes the call succeed', async () => {
    const key = await newKey();
    const encrypt = (region?: string) => as(ALICE, region).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));
    const body = { Principal: alice, Action: 'kms:Encrypt', Resource: key };
    await as(ALPHA_ROOT).send(new DisableKeyCommand({ KeyId: key }));
    assert.equal((await failure(() => encrypt())).name, 'DisabledException');
    let a = await ok(body);
    assert.deepEqual([a.verdict, a.error, failing(a), a.fix.kind], ['DENIED', 'DisabledException', ['keyState'], 'EnableKey']);
    await as(ALPHA_ROOT).send(new EnableKeyCommand({ KeyId: key }));
    await encrypt();

    await as(ALPHA_ROOT).send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));
    assert.equal((await failure(() => encrypt())).name, 'KMSInvalidStateException');
    a = await ok(body);
    assert.deepEqual([a.verdict, a.error, failing(a), a.fix.kind], ['DENIED', 'KMSInvalidStateException', ['keyState'], 'CancelKeyDeletion']);
    assert.match(a.path.find((s) => s.step === 'keyState')!.detail, /key state PendingDeletion: Encrypt needs Enabled/);
    await as(ALPHA_ROOT).send(new CancelKeyDeletionCommand({ KeyId: key }));
    await as(ALPHA_ROOT).send(new EnableKeyCommand({ KeyId: key }));
    await encrypt();

    assert.equal((await failure(() => encrypt('us-west-2'))).name, 'NotFoundException');
    a = await ok({ ...body, Region: 'us-west-2' });
    assert.deepEqual([a.verdict, a.error, failing(a), a.fix.kind], ['DENIED', 'NotFoundException', ['region'], 'Region']);
    assert.match(a.fix.summary, /send the request to us-east-1/);
    assert.equal((await ok(body)).verdict, 'ALLOWED');
  });
});

describe('LocksmithService.Explain: authorized, never a way around authorization', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({ seedFile: join(import.meta.dirname, '../fixtures/seed-two-accounts.yaml') });
  });
  after(() => h.stop());
  const denial = async (body: object, c: Credentials, pattern: RegExp) => {
    const r = await explainApi(h, body, c);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.__type, 'AccessDeniedException');
    assert.match(r.json.message, pattern);
    return r;
  };

  it('a user without kms:GetKeyPolicy on the key is refused, even about itself; the refusal is audited', async () => {
    const r = await denial({ Action: 'kms:Encrypt', Resource: SCRATCH_KEY }, ALICE,
      /^User: arn:aws:iam::111111111111:user\/alice is not authorized to perform: kms:GetKeyPolicy on resource: arn:aws:kms:us-east-1:111111111111:key\/11111111-2222-3333-4444-666666666666 because no identity-based policy allows the kms:GetKeyPolicy action$/);
    const [record] = recordsOf(h, r.headers['x-amzn-requestid'] as string);
    assert.equal(record!.eventSource, 'locksmith.amazonaws.com');
    assert.equal(record!.eventName, 'Explain');
    assert.equal(record!.errorCode, 'AccessDenied');
    assert.equal(record!.userIdentity.arn, alice);
    assert.deepEqual(record!.requestParameters, { action: 'kms:Encrypt', resource: SCRATCH_KEY });
  });

  it('with kms:GetKeyPolicy and kms:ListGrants, a user explains itself, but not another user without IAM read rights', async () => {
    const read = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:GetKeyPolicy', 'kms:ListGrants'], Resource: SCRATCH_KEY }] };
    await iamClient(h, ALPHA_ROOT).send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'read-key', PolicyDocument: JSON.stringify(read) }));
    const self = await explainApi(h, { Action: 'kms:Encrypt', Resource: SCRATCH_KEY }, ALICE);
    assert.equal(self.status, 200, self.text);
    assert.deepEqual([self.json.verdict, self.json.request.principal], ['ALLOWED', alice]);
    const [record] = recordsOf(h, self.headers['x-amzn-requestid'] as string);
    assert.deepEqual([record!.eventName, record!.errorCode, record!.readOnly, record!.responseElements], ['Explain', undefined, true, null]);
    await denial({ Principal: `arn:aws:iam::${ALPHA}:user/auditor`, Action: 'kms:Decrypt', Resource: SCRATCH_KEY }, ALICE,
      /^User: arn:aws:iam::111111111111:user\/alice is not authorized to perform: iam:GetUserPolicy on resource: arn:aws:iam::111111111111:user\/auditor because no identity-based policy allows the iam:GetUserPolicy action$/);
    await denial({ Principal: `arn:aws:iam::${ALPHA}:role/app`, Action: 'kms:Decrypt', Resource: SCRATCH_KEY }, ALICE, /iam:GetRolePolicy on resource: arn:aws:iam::111111111111:role\/app/);
  });

  it('another account\'s key and another account\'s principals are out of reach, as in KMS and IAM', async () => {
    // bob's IAM allows kms:*, but KMS never lets another account call GetKeyPolicy.
    await denial({ Action: 'kms:Encrypt', Resource: APP_KEY }, BOB, /^User: arn:aws:iam::222222222222:user\/bob is not authorized to perform: kms:GetKeyPolicy on resource: arn:aws:kms:us-east-1:111111111111:key\//);
    // alpha's root reads its key, never beta's IAM.
    await denial({ Principal: `arn:aws:iam::${BETA}:user/bob`, Action: 'kms:Encrypt', Resource: APP_KEY }, ALPHA_ROOT, /iam:GetUserPolicy on resource: arn:aws:iam::222222222222:user\/bob$/);
  });

  it('explaining an audit event needs cloudtrail:LookupEvents, and finds only the caller\'s own account\'s events', async () => {
    const aliceKms = h.client(ALICE);
    const done = await aliceKms.send(new EncryptCommand({ KeyId: SCRATCH_KEY, Plaintext: Buffer.from('x'), EncryptionContext: { a: 'b' } }));
    aliceKms.destroy();
    const eventId = recordsOf(h, requestIdOf(done))[0]!.eventID as string;
    await denial({ EventId: eventId }, ALICE, /^User: arn:aws:iam::111111111111:user\/alice is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action$/);
    const other = await explainApi(h, { EventId: eventId }, BETA_ROOT);
    assert.deepEqual([other.status, other.json.__type], [400, 'NotFoundException']);
    const mine = await explainApi(h, { EventId: eventId }, ALPHA_ROOT);
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.json.request.principal, alice);
  });

  it('bad input is a ValidationException, an unknown target an UnknownOperationException — never a 500', async () => {
    for (const [body, pattern] of [
      [{ Resource: SCRATCH_KEY }, /Value null at 'action' failed to satisfy constraint: Member must not be null/],
      [{ Action: 'kms:Encrypt' }, /Value null at 'resource' failed to satisfy constraint: Member must not be null/],
      [{ Action: 'kms:Encrypt', Resource: 'arn:aws:kms:us-east-1:111111111111:alias/x' }, /Resource must be a key ARN/],
      [{ Action: 'kms:Frobnicate', Resource: SCRATCH_KEY }, /Action must be a KMS permission/],
      [{ Action: 7, Resource: SCRATCH_KEY }, /at 'action' failed to satisfy constraint: Member must be a string/],
      [{ Action: 'kms:Encrypt', Resource: SCRATCH_KEY, EncryptionContext: { a: 1 } }, /at 'encryptionContext' failed to satisfy constraint: Member must be a map of strings to strings/],
      [{ Action: 'kms:Encrypt', Resource: SCRATCH_KEY, Principal: 'alice' }, /at 'principal' failed to satisfy constraint/],
      [{ EventId: 'x', Action: 'kms:Encrypt' }, /EventId cannot be combined with Action/],
      [[1, 2], /must be a JSON object/],
    ] as const) {
      const r = await explainApi(h, body, ALPHA_ROOT);
      assert.deepEqual([r.status, r.json.__type], [400, 'ValidationException'], `${JSON.stringify(body)}: ${r.text}`);
      assert.match(r.json.message, pattern);
    }
    const missing = await explainApi(h, { Principal: `arn:aws:iam::${ALPHA}:user/nobody`, Action: 'kms:Encrypt', Resource: SCRATCH_KEY }, ALPHA_ROOT);
    assert.deepEqual([missing.status, missing.json.__type, missing.json.message], [400, 'NotFoundException', 'No IAM user nobody in account 111111111111.']);
    const unknown = await explainApi(h, { Action: 'kms:Encrypt', Resource: SCRATCH_KEY }, ALPHA_ROOT, 'us-east-1', 'LocksmithService.Frobnicate');
    assert.deepEqual([unknown.status, unknown.json.__type], [400, 'UnknownOperationException']);
    const garbage = await explainApi(h, '{not json', ALPHA_ROOT);
    assert.deepEqual([garbage.status, garbage.json.__type], [400, 'SerializationException']);
  });
});
