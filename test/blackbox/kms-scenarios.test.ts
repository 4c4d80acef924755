import { CreateKeyCommand, DecryptCommand, EncryptCommand, GenerateDataKeyCommand, GetKeyPolicyCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, awsError, Harness, REGION } from './harness.js';

/** The classic KMS access lessons, driven through IAM, STS and KMS with each principal's own credentials. */
describe('classic KMS access scenarios', () => {
  let h: Harness;
  let iam: IAMClient;
  let sts: STSClient;
  before(async () => {
    h = await Harness.start();
    iam = new IAMClient({ endpoint: h.endpoint, region: REGION, credentials: h.credentials, maxAttempts: 1 });
    sts = new STSClient({ endpoint: h.endpoint, region: REGION, credentials: h.credentials, maxAttempts: 1 });
  });
  after(async () => {
    iam.destroy();
    sts.destroy();
    await h.stop();
  });

  const newUser = async (name: string) => {
    await iam.send(new CreateUserCommand({ UserName: name }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return h.client({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
  };
  const allow = (Action: string | string[], Resource = '*', Condition?: object) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) }] });

  it('a Lambda role without kms:Decrypt cannot decrypt its secret until put-role-policy grants it', async () => {
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const context = { LambdaFunctionName: 'billing' };
    const { CiphertextBlob } = await h.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('db-password'), EncryptionContext: context }));
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] });
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'billing-lambda', AssumeRolePolicyDocument: trust }))).Role!;
    // AWS refuses role assumption by the account root: a deployer user assumes the role.
    await iam.send(new CreateUserCommand({ UserName: 'deployer' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'deployer', PolicyName: 'assume', PolicyDocument: allow('sts:AssumeRole', role.Arn!) }));
    const dk = (await iam.send(new CreateAccessKeyCommand({ UserName: 'deployer' }))).AccessKey!;
    const deployer = new STSClient({ endpoint: h.endpoint, region: REGION, credentials: { accessKeyId: dk.AccessKeyId!, secretAccessKey: dk.SecretAccessKey! }, maxAttempts: 1 });
    const session = (await deployer.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'billing' }))).Credentials!;
    deployer.destroy();
    const lambda = h.client({ accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! });
    const denied = await awsError(() => lambda.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context })));
    assert.equal(denied.name, 'AccessDeniedException');
    assert.equal(
      denied.message,
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/billing-lambda/billing is not authorized to perform: kms:Decrypt on resource: ${key.Arn} because no identity-based policy allows the kms:Decrypt action`,
    );
    await iam.send(new PutRolePolicyCommand({ RoleName: 'billing-lambda', PolicyName: 'decrypt', PolicyDocument: allow('kms:Decrypt', key.Arn) }));
    const ok = await lambda.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
    assert.equal(Buffer.from(ok.Plaintext!).toString(), 'db-password');
    lambda.destroy();
  });

  it('removing the delegation statement makes an IAM allow useless', async () => {
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const alice = await newUser('alice-delegation');
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice-delegation', PolicyName: 'kms', PolicyDocument: allow('kms:*') }));
    await alice.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') }));
    // Keep the root able to manage the key, but no longer delegate to IAM for everyone else.
    const rootOnly = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalType': 'Account' } } }] });
    await h.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: rootOnly }));
    assert.equal((await h.kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }))).Policy, rootOnly);
    const e = await awsError(() => alice.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })));
    assert.equal(e.name, 'AccessDeniedException');
    alice.destroy();
  });

  it('the lockout safety check refuses a policy that would lock the caller out, unless bypassed', async () => {
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const lockout = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:Encrypt', Resource: '*' }] });
    const e = await awsError(() => h.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: lockout })));
    assert.deepEqual([e.name, e.message], ['MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.']);
    const c = await awsError(() => h.kms.send(new CreateKeyCommand({ Policy: lockout })));
    assert.equal(c.name, 'MalformedPolicyDocumentException');
    await h.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: lockout, BypassPolicyLockoutSafetyCheck: true }));
    const locked = await awsError(() => h.kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId })));
    assert.equal(locked.name, 'AccessDeniedException');
  });

  it('kms:EncryptionContext and kms:ViaService conditions gate use', async () => {
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const bob = await newUser('bob-conditions');
    await iam.send(new PutUserPolicyCommand({
      UserName: 'bob-conditions',
      PolicyName: 'tenant-blue',
      PolicyDocument: allow(['kms:Encrypt', 'kms:Decrypt'], key.Arn!, { StringEquals: { 'kms:EncryptionContext:tenant': 'blue' } }),
    }));
    await bob.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x'), EncryptionContext: { tenant: 'blue' } }));
    for (const EncryptionContext of [{ tenant: 'red' }, undefined]) {
      const e = await awsError(() => bob.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x'), EncryptionContext })));
      assert.equal(e.name, 'AccessDeniedException');
    }
    await iam.send(new PutUserPolicyCommand({
      UserName: 'bob-conditions',
      PolicyName: 'via-s3',
      PolicyDocument: allow('kms:GenerateDataKey', key.Arn!, { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }),
    }));
    const direct = await awsError(() => bob.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' })));
    assert.equal(direct.name, 'AccessDeniedException', 'a direct call carries no kms:ViaService');
    bob.destroy();
  });
});

describe('ABAC and alias-based conditions', () => {
  let h: Harness;
  let iam: IAMClient;
  before(async () => {
    h = await Harness.start();
    iam = new IAMClient({ endpoint: h.endpoint, region: REGION, credentials: h.credentials, maxAttempts: 1 });
  });
  after(async () => {
    iam.destroy();
    await h.stop();
  });

  it('aws:ResourceTag/* and kms:ResourceAliases in an IAM policy follow the key\'s tags and aliases', async () => {
    const { CreateAliasCommand, TagResourceCommand, UntagResourceCommand } = await import('@aws-sdk/client-kms');
    const key = (await h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'team', TagValue: 'blue' }] }))).KeyMetadata!;
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey!;
    const carol = h.client({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
    const policy = (Condition: object) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition }] });
    await iam.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'abac', PolicyDocument: policy({ StringEquals: { 'aws:ResourceTag/team': 'blue' } }) }));
    await carol.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') }));
    await h.kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'team', TagValue: 'red' }] }));
    assert.equal((await awsError(() => carol.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })))).name, 'AccessDeniedException');
    await h.kms.send(new UntagResourceCommand({ KeyId: key.KeyId, TagKeys: ['team'] }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'abac', PolicyDocument: policy({ 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/finance-*' } }) }));
    assert.equal((await awsError(() => carol.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })))).name, 'AccessDeniedException');
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/finance-ledger', TargetKeyId: key.KeyId }));
    await carol.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') }));
    carol.destroy();
  });
});
