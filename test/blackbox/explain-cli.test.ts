/**
 * `locksmith explain` on the classic "why was I denied?" stories: each asserts the verdict, the
 * failing element, and that applying the suggested fix through the real server (PutKeyPolicy,
 * PutUserPolicy, PutRolePolicy, CreateGrant, EnableKey…) makes the real call succeed.
 * The CLI runs as its own process against the server's data directory (offline).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CancelKeyDeletionCommand, CreateGrantCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand,
  EncryptCommand, KMSClient, PutKeyPolicyCommand, ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { CreateAccessKeyCommand, CreateUserCommand, DeleteUserPolicyCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { Harness, iamClient, stsClient, type Credentials } from './harness.js';
import { failure, locksmith, recordsOf, requestIdOf } from './audit-helpers.js';

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

interface Answer {
  verdict: 'ALLOWED' | 'DENIED';
  error?: string;
  path: { step: string; ok: boolean; detail: string }[];
  statements: { policy: string; statement: string; effect: string; matched: boolean; failed: string[] }[];
  fix: { kind: string; summary: string; target?: string; policy?: object; policyName?: string; grant?: Record<string, any> };
}

describe('locksmith explain', () => {
  let h: Harness;
  const clients: KMSClient[] = [];
  const as = (c: Credentials, region?: string) => {
    const k = h.client(c, region);
    clients.push(k);
    return k;
  };
  async function explain(...args: string[]): Promise<Answer> {
    const r = await locksmith('explain', '--json', '--data-dir', h.dataDir, ...args);
    assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${r.stderr}`);
    const answer = JSON.parse(r.stdout) as Answer;
    assert.equal(r.code, answer.verdict === 'ALLOWED' ? 0 : 2);
    return answer;
  }
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

  it('Lambda-style role without kms:Decrypt: the role policy is missing; PutRolePolicy with the snippet fixes it', async () => {
    const { CiphertextBlob } = await as(ALPHA_ROOT).send(new EncryptCommand({ KeyId: SCRATCH_KEY, Plaintext: Buffer.from('x') }));
    const role = `arn:aws:iam::${ALPHA}:role/app`;
    const a = await explain('--principal', role, '--action', 'kms:Decrypt', '--resource', SCRATCH_KEY);
    assert.equal(a.verdict, 'DENIED');
    assert.equal(a.error, 'AccessDeniedException');
    assert.deepEqual(failing(a), ['identityPolicies', 'grants']);
    assert.match(a.path.find((s) => s.step === 'keyPolicy')!.detail, /delegates to IAM policies of account 111111111111/);
    assert.equal(a.fix.kind, 'PutRolePolicy');
    assert.equal(a.fix.target, 'app');
    await iamClient(h, ALPHA_ROOT).send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: a.fix.policyName, PolicyDocument: JSON.stringify(a.fix.policy) }));
    const session = (await stsClient(h, ALICE).send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'lambda' }))).Credentials!;
    const roleKms = as({ accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! });
    assert.equal(Buffer.from((await roleKms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString(), 'x');
    assert.equal((await explain('--principal', role, '--action', 'kms:Decrypt', '--resource', SCRATCH_KEY)).verdict, 'ALLOWED');
  });

  it('cross-account with one side only: the key policy does not name the other account; PutKeyPolicy fixes it', async () => {
    const bob = `arn:aws:iam::${BETA}:user/bob`;
    const key = await newKey();
    await failure(() => as(BOB).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') })));
    const a = await explain('--principal', bob, '--action', 'kms:Encrypt', '--resource', key);
    assert.equal(a.verdict, 'DENIED');
    assert.deepEqual(failing(a), ['keyPolicy', 'grants']);
    assert.ok(a.path.find((s) => s.step === 'identityPolicies')!.ok, 'bob\'s own side allows');
    const miss = a.statements.find((s) => s.policy === 'keyPolicy default' && !s.matched)!;
    assert.deepEqual(miss.failed, ['Principal']);
    assert.equal(a.fix.kind, 'PutKeyPolicy');
    await as(ALPHA_ROOT).send(new PutKeyPolicyCommand({ KeyId: key, PolicyName: 'default', Policy: JSON.stringify(a.fix.policy) }));
    await as(BOB).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));
  });

  it('cross-account with the other side missing: the key policy names the account, the caller\'s IAM policy does not allow; PutUserPolicy fixes it', async () => {
    const iam = iamClient(h, BETA_ROOT);
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey!;
    const carol = as({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
    await failure(() => carol.send(new EncryptCommand({ KeyId: APP_KEY, Plaintext: Buffer.from('x') })));
    const a = await explain('--principal', `arn:aws:iam::${BETA}:user/carol`, '--action', 'kms:Encrypt', '--resource', APP_KEY);
    assert.equal(a.verdict, 'DENIED');
    assert.deepEqual(failing(a), ['identityPolicies', 'grants']);
    assert.ok(a.statements.some((s) => s.statement === '"Allow beta account"' && s.matched));
    assert.deepEqual([a.fix.kind, a.fix.target], ['PutUserPolicy', 'carol']);
    assert.deepEqual(a.fix.policy, { Version: '2012-10-17', Statement: [{ Sid: 'AllowEncrypt', Effect: 'Allow', Action: 'kms:Encrypt', Resource: APP_KEY }] });
    await iam.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: a.fix.policyName, PolicyDocument: JSON.stringify(a.fix.policy) }));
    await carol.send(new EncryptCommand({ KeyId: APP_KEY, Plaintext: Buffer.from('x') }));
  });

  it('an explicit Deny: "remove this Deny" names the statement; deleting it lets the call through', async () => {
    const iam = iamClient(h, ALPHA_ROOT);
    const deny = { Sid: 'NoEncrypt', Effect: 'Deny', Action: 'kms:Encrypt', Resource: '*' };
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'no-encrypt', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [deny] }) }));
    await failure(() => as(ALICE).send(new EncryptCommand({ KeyId: SCRATCH_KEY, Plaintext: Buffer.from('x') })));
    const a = await explain('--principal', alice, '--action', 'kms:Encrypt', '--resource', SCRATCH_KEY);
    assert.equal(a.verdict, 'DENIED');
    assert.deepEqual(failing(a), ['grants', 'explicitDeny']);
    assert.equal(a.fix.kind, 'RemoveDeny');
    assert.match(a.fix.summary, /identityPolicy no-encrypt, statement NoEncrypt/);
    assert.deepEqual((a.fix as { statement?: object }).statement, deny);
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'no-encrypt' }));
    await as(ALICE).send(new EncryptCommand({ KeyId: SCRATCH_KEY, Plaintext: Buffer.from('x') }));
  });

  it('key policy without the root delegation: alice\'s IAM policy has no effect; adding the account statement fixes it', async () => {
    const key = await newKey({ Version: '2012-10-17', Statement: [{ Sid: 'Auditor', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALPHA}:user/auditor` }, Action: 'kms:*', Resource: '*' }] });
    await failure(() => as(ALICE).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') })));
    const a = await explain('--principal', alice, '--action', 'kms:Encrypt', '--resource', key);
    assert.equal(a.verdict, 'DENIED');
    assert.match(a.path.find((s) => s.step === 'keyPolicy')!.detail, /does not delegate to IAM/);
    assert.equal(a.fix.kind, 'PutKeyPolicy');
    assert.match(JSON.stringify(a.fix.policy), /"Principal":\{"AWS":"arn:aws:iam::111111111111:root"\},"Action":"kms:\*"/);
    await as(AUDITOR).send(new PutKeyPolicyCommand({ KeyId: key, PolicyName: 'default', Policy: JSON.stringify(a.fix.policy) }));
    await as(ALICE).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));
  });

  it('encryption-context condition mismatch: names the condition key and the value seen; explains a recorded denial by --event-id', async () => {
    const key = await newKey({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALPHA}:root` }, Action: ['kms:PutKeyPolicy', 'kms:GetKeyPolicy', 'kms:DescribeKey'], Resource: '*' },
        { Sid: 'AliceBilling', Effect: 'Allow', Principal: { AWS: alice }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:app': 'billing' } } },
      ],
    });
    const denied = await failure(() => as(ALICE).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x'), EncryptionContext: { app: 'payroll' } })));
    assert.equal(denied.name, 'AccessDeniedException');
    const eventId = recordsOf(h, requestIdOf(denied))[0]!.eventID as string;
    for (const a of [
      await explain('--principal', alice, '--action', 'kms:Encrypt', '--resource', key, '--context', 'app=payroll'),
      await explain('--event-id', eventId),
    ]) {
      assert.equal(a.verdict, 'DENIED');
      const miss = a.statements.find((s) => s.statement === '"AliceBilling"')!;
      assert.deepEqual(miss.failed, ['Condition StringEquals kms:EncryptionContext:app (seen ["payroll"])']);
      assert.equal(a.fix.kind, 'PutKeyPolicy');
    }
    const text = await locksmith('explain', '--data-dir', h.dataDir, '--event-id', eventId);
    assert.equal(text.code, 2);
    assert.match(text.stdout, /^DENIED: arn:aws:iam::111111111111:user\/alice kms:Encrypt/);
    assert.match(text.stdout, /Minimal fix \(PutKeyPolicy\)/);
    const a = await explain('--principal', alice, '--action', 'kms:Encrypt', '--resource', key, '--context', 'app=payroll');
    await as(ALPHA_ROOT).send(new PutKeyPolicyCommand({ KeyId: key, PolicyName: 'default', Policy: JSON.stringify(a.fix.policy) }));
    await as(ALICE).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x'), EncryptionContext: { app: 'payroll' } }));
  });

  it('grant with the wrong constraint: names the grant and its constraint; CreateGrant with the suggested one fixes it', async () => {
    const { CiphertextBlob } = await as(ALICE).send(new EncryptCommand({ KeyId: APP_KEY, Plaintext: Buffer.from('x'), EncryptionContext: { purpose: 'review' } }));
    const auditorKms = as(AUDITOR);
    await failure(() => auditorKms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { purpose: 'review' } })));
    const a = await explain('--principal', `arn:aws:iam::${ALPHA}:user/auditor`, '--action', 'kms:Decrypt', '--resource', APP_KEY, '--context', 'purpose=review');
    assert.equal(a.verdict, 'DENIED');
    const grants = a.path.find((s) => s.step === 'grants')!;
    assert.equal(grants.ok, false);
    assert.match(grants.detail, /constraint \{"EncryptionContextSubset":\{"purpose":"audit"\}\} does not admit the encryption context \{"purpose":"review"\}/);
    assert.equal(a.fix.kind, 'CreateGrant');
    assert.deepEqual(a.fix.grant!.Constraints, { EncryptionContextSubset: { purpose: 'review' } });
    await as(ALPHA_ROOT).send(new CreateGrantCommand(a.fix.grant as any));
    await auditorKms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { purpose: 'review' } }));
  });

  it('AWS managed key used directly: only through its service (kms:ViaService)', async () => {
    const key = (await as(ALPHA_ROOT).send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata!.Arn!;
    await failure(() => as(ALICE).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') })));
    const a = await explain('--principal', alice, '--action', 'kms:Encrypt', '--resource', key);
    assert.equal(a.verdict, 'DENIED');
    assert.equal(a.fix.kind, 'UseService');
    assert.ok(a.statements.some((s) => s.failed.some((f) => f.startsWith('Condition StringEquals kms:ViaService (seen nothing)'))), JSON.stringify(a.statements));
    const via = await explain('--principal', alice, '--action', 'kms:Encrypt', '--resource', key, '--via-service', 's3.us-east-1.amazonaws.com');
    assert.equal(via.verdict, 'ALLOWED');
  });

  it('key disabled, pending deletion, in another Region: the key state or Region step fails; the fix makes the call succeed', async () => {
    const key = await newKey();
    const aliceKms = as(ALICE);
    await as(ALPHA_ROOT).send(new DisableKeyCommand({ KeyId: key }));
    const encrypt = () => aliceKms.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));
    assert.equal((await failure(encrypt)).name, 'DisabledException');
    let a = await explain('--principal', alice, '--action', 'kms:Encrypt', '--resource', key);
    assert.deepEqual([a.verdict, a.error, failing(a), a.fix.kind], ['DENIED', 'DisabledException', ['keyState'], 'EnableKey']);
    await as(ALPHA_ROOT).send(new EnableKeyCommand({ KeyId: key }));
    await aliceKms.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));

    await as(ALPHA_ROOT).send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));
    assert.equal((await failure(encrypt)).name, 'KMSInvalidStateException');
    a = await explain('--principal', alice, '--action', 'kms:Encrypt', '--resource', key);
    assert.deepEqual([a.verdict, a.error, failing(a), a.fix.kind], ['DENIED', 'KMSInvalidStateException', ['keyState'], 'CancelKeyDeletion']);
    await as(ALPHA_ROOT).send(new CancelKeyDeletionCommand({ KeyId: key }));
    await as(ALPHA_ROOT).send(new EnableKeyCommand({ KeyId: key }));
    await aliceKms.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));

    assert.equal((await failure(() => as(ALICE, 'us-west-2').send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') })))).name, 'NotFoundException');
    a = await explain('--principal', alice, '--action', 'kms:Encrypt', '--resource', key, '--region', 'us-west-2');
    assert.deepEqual([a.verdict, a.error, failing(a), a.fix.kind], ['DENIED', 'NotFoundException', ['region'], 'Region']);
    assert.match(a.fix.summary, /send the request to us-east-1/);
    assert.equal((await explain('--principal', alice, '--action', 'kms:Encrypt', '--resource', key)).verdict, 'ALLOWED');
  });
});
