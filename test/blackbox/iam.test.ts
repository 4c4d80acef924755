import {
  AttachRolePolicyCommand, AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateRoleCommand, CreateUserCommand,
  DeleteAccessKeyCommand, DeletePolicyCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DeleteUserCommand, DeleteUserPolicyCommand,
  DetachRolePolicyCommand, DetachUserPolicyCommand, GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, GetRolePolicyCommand,
  GetUserCommand, GetUserPolicyCommand, IAMClient, ListAccessKeysCommand, ListAttachedRolePoliciesCommand, ListAttachedUserPoliciesCommand,
  ListPoliciesCommand, ListRolePoliciesCommand, ListRolesCommand, ListUserPoliciesCommand, ListUsersCommand, PutRolePolicyCommand,
  PutUserPolicyCommand, UpdateAccessKeyCommand, UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, Harness, REGION, awsError, iamClient, send, signRequest, stsClient, type Credentials } from './harness.js';

const allow = (action: string, resource = '*') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
const deny = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: action, Resource: '*' }] });
const trust = (principal: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }] });
const userArn = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT}:user${path}${name}`;

describe('IAM over awsQuery', () => {
  let h: Harness;
  let iam: IAMClient;
  before(async () => {
    h = await Harness.start();
    iam = iamClient(h);
  });
  after(async () => {
    iam.destroy();
    await h.stop();
  });

  /** A user with one access key and an IAM client signing as it. */
  async function userWithKey(name: string): Promise<{ creds: Credentials; client: IAMClient }> {
    await iam.send(new CreateUserCommand({ UserName: name }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const creds = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    return { creds, client: iamClient(h, creds) };
  }

  it('creates, gets, lists and deletes users, with paths and ids as AWS forms them', async () => {
    const created = (await iam.send(new CreateUserCommand({ UserName: 'alice', Path: '/eng/', Tags: [{ Key: 'team', Value: 'x' }] }))).User!;
    assert.equal(created.Arn, userArn('alice', '/eng/'));
    assert.equal(created.Path, '/eng/');
    assert.match(created.UserId!, /^AIDA[A-Z0-9]{17}$/);
    assert.ok(created.CreateDate instanceof Date);
    const got = (await iam.send(new GetUserCommand({ UserName: 'ALICE' }))).User!;
    assert.deepEqual({ ...got }, { ...created });
    await iam.send(new CreateUserCommand({ UserName: 'Zed' }));
    const listed = await iam.send(new ListUsersCommand({ PathPrefix: '/eng/' }));
    assert.deepEqual(listed.Users!.map((u) => u.UserName), ['alice']);
    const page1 = await iam.send(new ListUsersCommand({ MaxItems: 1 }));
    assert.equal(page1.IsTruncated, true);
    const page2 = await iam.send(new ListUsersCommand({ MaxItems: 1, Marker: page1.Marker }));
    assert.notEqual(page2.Users![0].UserName, page1.Users![0].UserName);
    // GetUser without a name returns the caller: the root user here.
    const self = (await iam.send(new GetUserCommand({}))).User!;
    assert.equal(self.Arn, `arn:aws:iam::${ACCOUNT}:root`);
    assert.equal(self.UserId, ACCOUNT);
    await iam.send(new DeleteUserCommand({ UserName: 'Zed' }));
    const gone = await awsError(() => iam.send(new GetUserCommand({ UserName: 'Zed' })));
    assert.deepEqual(gone, { name: 'NoSuchEntityException', message: 'The user with name Zed cannot be found.', status: 404 });
  });

  it('answers AWS errors: EntityAlreadyExists (case-insensitive names), ValidationError, NoSuchEntity', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'dup' }));
    assert.deepEqual(await awsError(() => iam.send(new CreateUserCommand({ UserName: 'DUP' }))),
      { name: 'EntityAlreadyExistsException', message: 'User with name DUP already exists.', status: 409 });
    const bad = await awsError(() => iam.send(new CreateUserCommand({ UserName: 'bad/name' })));
    assert.deepEqual(bad, {
      name: 'ValidationError', status: 400,
      message: 'The specified value for userName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-',
    });
    const long = await awsError(() => iam.send(new CreateUserCommand({ UserName: 'a'.repeat(65) })));
    assert.equal(long.message, "1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64");
    const path = await awsError(() => iam.send(new CreateUserCommand({ UserName: 'p', Path: 'nope' })));
    assert.match(path.message, /^The specified value for path is invalid/);
    assert.equal((await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'nobody' })))).status, 404);
  });

  it('manages access keys: create (quota 2), list, deactivate (the key stops working), delete', async () => {
    const { creds } = await userWithKey('keyed');
    const second = (await iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' }))).AccessKey!;
    assert.match(second.AccessKeyId!, /^AKIA[A-Z0-9]{16}$/);
    assert.equal(second.SecretAccessKey!.length, 40);
    assert.deepEqual(await awsError(() => iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' }))),
      { name: 'LimitExceededException', message: 'Cannot exceed quota for AccessKeysPerUser: 2', status: 409 });
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'keyed' }));
    assert.deepEqual(listed.AccessKeyMetadata!.map((k) => k.AccessKeyId).sort(), [creds.accessKeyId, second.AccessKeyId].sort());
    assert.ok(listed.AccessKeyMetadata!.every((k) => k.Status === 'Active' && k.UserName === 'keyed'));
    const sts = stsClient(h, creds);
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, userArn('keyed'));
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'keyed', AccessKeyId: creds.accessKeyId, Status: 'Inactive' }));
    assert.deepEqual(await awsError(() => sts.send(new GetCallerIdentityCommand({}))),
      { name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 });
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'keyed', AccessKeyId: creds.accessKeyId, Status: 'Active' }));
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, ACCOUNT);
    assert.deepEqual(await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'keyed' }))),
      { name: 'DeleteConflictException', message: 'Cannot delete entity, must delete access keys first.', status: 409 });
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: creds.accessKeyId }));
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: second.AccessKeyId }));
    assert.deepEqual(await awsError(() => iam.send(new DeleteAccessKeyCommand({ UserName: 'keyed', AccessKeyId: second.AccessKeyId }))),
      { name: 'NoSuchEntityException', message: `The Access Key with id ${second.AccessKeyId} cannot be found.`, status: 404 });
    await iam.send(new DeleteUserCommand({ UserName: 'keyed' }));
  });

  it('manages roles: trust policy validated and returned URL-encoded, update, list, delete', async () => {
    const doc = trust(userArn('alice', '/eng/'));
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'deployer', Path: '/ci/', AssumeRolePolicyDocument: doc, MaxSessionDuration: 7200 }))).Role!;
    assert.equal(role.Arn, `arn:aws:iam::${ACCOUNT}:role/ci/deployer`);
    assert.match(role.RoleId!, /^AROA[A-Z0-9]{17}$/);
    const got = (await iam.send(new GetRoleCommand({ RoleName: 'deployer' }))).Role!;
    assert.equal(decodeURIComponent(got.AssumeRolePolicyDocument!), doc);
    assert.equal(got.MaxSessionDuration, 7200);
    assert.deepEqual((await iam.send(new ListRolesCommand({ PathPrefix: '/ci/' }))).Roles!.map((r) => r.RoleName), ['deployer']);
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'deployer', PolicyDocument: trust(ACCOUNT) }));
    assert.equal(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'deployer' }))).Role!.AssumeRolePolicyDocument!), trust(ACCOUNT));
    const malformed = async (document: string, message: string) => {
      const e = await awsError(() => iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: document })));
      assert.deepEqual(e, { name: 'MalformedPolicyDocumentException', message, status: 400 });
    };
    await malformed('{not json', 'This policy contains invalid Json');
    await malformed(allow('sts:AssumeRole'), 'Has prohibited field Resource');
    await malformed(trust(userArn('ghost')), `Invalid principal in policy: "AWS":"${userArn('ghost')}"`);
    await malformed(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }), 'Missing required field Principal');
    assert.equal((await awsError(() => iam.send(new CreateRoleCommand({ RoleName: 'DEPLOYER', AssumeRolePolicyDocument: doc })))).name, 'EntityAlreadyExistsException');
    await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'p', PolicyDocument: allow('kms:*') }));
    assert.deepEqual(await awsError(() => iam.send(new DeleteRoleCommand({ RoleName: 'deployer' }))),
      { name: 'DeleteConflictException', message: 'Cannot delete entity, must delete policies first.', status: 409 });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'p' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'deployer' }));
    assert.deepEqual(await awsError(() => iam.send(new GetRoleCommand({ RoleName: 'deployer' }))),
      { name: 'NoSuchEntityException', message: 'The role with name deployer cannot be found.', status: 404 });
  });

  it('manages inline policies of users and roles', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'inliner' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'inrole', AssumeRolePolicyDocument: trust(ACCOUNT) }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'inliner', PolicyName: 'b', PolicyDocument: allow('kms:Encrypt') }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'inliner', PolicyName: 'a', PolicyDocument: allow('kms:Decrypt') }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'inrole', PolicyName: 'r', PolicyDocument: allow('s3:*') }));
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'inliner' }))).PolicyNames, ['a', 'b']);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'inrole' }))).PolicyNames, ['r']);
    const got = await iam.send(new GetUserPolicyCommand({ UserName: 'inliner', PolicyName: 'b' }));
    assert.equal(got.UserName, 'inliner');
    assert.equal(decodeURIComponent(got.PolicyDocument!), allow('kms:Encrypt'));
    assert.equal(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'inrole', PolicyName: 'r' }))).PolicyDocument!), allow('s3:*'));
    const withPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }] });
    assert.deepEqual(await awsError(() => iam.send(new PutUserPolicyCommand({ UserName: 'inliner', PolicyName: 'x', PolicyDocument: withPrincipal }))),
      { name: 'MalformedPolicyDocumentException', message: 'Policy document should not specify a principal.', status: 400 });
    assert.equal((await awsError(() => iam.send(new PutUserPolicyCommand({ UserName: 'inliner', PolicyName: 'x', PolicyDocument: '{' })))).name, 'MalformedPolicyDocumentException');
    assert.deepEqual(await awsError(() => iam.send(new PutUserPolicyCommand({ UserName: 'ghost', PolicyName: 'x', PolicyDocument: '{' }))),
      { name: 'NoSuchEntityException', message: 'The user with name ghost cannot be found.', status: 404 });
    assert.deepEqual(await awsError(() => iam.send(new GetUserPolicyCommand({ UserName: 'inliner', PolicyName: 'zz' }))),
      { name: 'NoSuchEntityException', message: 'The user policy with name zz cannot be found.', status: 404 });
    assert.deepEqual(await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'inliner' }))),
      { name: 'DeleteConflictException', message: 'Cannot delete entity, must delete policies first.', status: 409 });
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'inliner', PolicyName: 'a' }));
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'inliner', PolicyName: 'b' }));
    await iam.send(new DeleteUserCommand({ UserName: 'inliner' }));
  });

  it('manages customer managed policies and their attachments', async () => {
    const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: 'Readers', Path: '/app/', PolicyDocument: allow('kms:Decrypt'), Description: 'd' }))).Policy!;
    assert.equal(policy.Arn, `arn:aws:iam::${ACCOUNT}:policy/app/Readers`);
    assert.match(policy.PolicyId!, /^ANPA[A-Z0-9]{17}$/);
    assert.equal(policy.DefaultVersionId, 'v1');
    assert.equal((await awsError(() => iam.send(new CreatePolicyCommand({ PolicyName: 'readers', PolicyDocument: allow('s3:*') })))).name, 'EntityAlreadyExistsException');
    const version = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: 'v1' }))).PolicyVersion!;
    assert.equal(decodeURIComponent(version.Document!), allow('kms:Decrypt'));
    assert.equal(version.IsDefaultVersion, true);
    await iam.send(new CreateUserCommand({ UserName: 'attached' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'attachedrole', AssumeRolePolicyDocument: trust(ACCOUNT) }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'attached', PolicyArn: policy.Arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'attachedrole', PolicyArn: policy.Arn }));
    assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'attached' }))).AttachedPolicies, [{ PolicyName: 'Readers', PolicyArn: policy.Arn }]);
    assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'attachedrole' }))).AttachedPolicies, [{ PolicyName: 'Readers', PolicyArn: policy.Arn }]);
    const got = (await iam.send(new GetPolicyCommand({ PolicyArn: policy.Arn }))).Policy!;
    assert.equal(got.AttachmentCount, 2);
    assert.equal(got.Description, 'd');
    assert.deepEqual((await iam.send(new ListPoliciesCommand({ Scope: 'Local', OnlyAttached: true }))).Policies!.map((p) => p.PolicyName), ['Readers']);
    assert.deepEqual((await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }))).Policies, []);
    assert.deepEqual(await awsError(() => iam.send(new DeletePolicyCommand({ PolicyArn: policy.Arn }))),
      { name: 'DeleteConflictException', message: 'Cannot delete a policy attached to entities.', status: 409 });
    assert.deepEqual(await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'attached' }))),
      { name: 'DeleteConflictException', message: 'Cannot delete entity, must detach all policies first.', status: 409 });
    await iam.send(new DetachUserPolicyCommand({ UserName: 'attached', PolicyArn: policy.Arn }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'attachedrole', PolicyArn: policy.Arn }));
    assert.deepEqual(await awsError(() => iam.send(new DetachUserPolicyCommand({ UserName: 'attached', PolicyArn: policy.Arn }))),
      { name: 'NoSuchEntityException', message: `Policy ${policy.Arn} was not found.`, status: 404 });
    await iam.send(new DeletePolicyCommand({ PolicyArn: policy.Arn }));
    assert.deepEqual(await awsError(() => iam.send(new GetPolicyCommand({ PolicyArn: policy.Arn }))),
      { name: 'NoSuchEntityException', message: `Policy ${policy.Arn} does not exist or is not attachable.`, status: 404 });
    const missing = `arn:aws:iam::${ACCOUNT}:policy/none`;
    assert.equal((await awsError(() => iam.send(new AttachUserPolicyCommand({ UserName: 'attached', PolicyArn: missing })))).status, 404);
  });

  it('authorizes users by their identity policies, with AWS denial messages', async () => {
    const { client } = await userWithKey('operator');
    const denied = await awsError(() => client.send(new CreateUserCommand({ UserName: 'made-by-operator' })));
    assert.deepEqual(denied, {
      name: 'AccessDenied', status: 403,
      message: `User: ${userArn('operator')} is not authorized to perform: iam:CreateUser on resource: ${userArn('made-by-operator')} because no identity-based policy allows the iam:CreateUser action`,
    });
    assert.equal((await awsError(() => client.send(new ListUsersCommand({})))).message,
      `User: ${userArn('operator')} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${ACCOUNT}:user/ because no identity-based policy allows the iam:ListUsers action`);
    await iam.send(new PutUserPolicyCommand({ UserName: 'operator', PolicyName: 'users', PolicyDocument: allow('iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/made-*`) }));
    assert.equal((await client.send(new CreateUserCommand({ UserName: 'made-by-operator' }))).User!.UserName, 'made-by-operator');
    assert.equal((await awsError(() => client.send(new CreateUserCommand({ UserName: 'other' })))).name, 'AccessDenied');
    // A managed policy grants as well; an explicit Deny wins over any Allow.
    const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'ListEverything', PolicyDocument: allow('iam:List*') }))).Policy!.Arn!;
    await iam.send(new AttachUserPolicyCommand({ UserName: 'operator', PolicyArn: arn }));
    assert.ok((await client.send(new ListUsersCommand({}))).Users!.length > 0);
    await iam.send(new PutUserPolicyCommand({ UserName: 'operator', PolicyName: 'no', PolicyDocument: deny('iam:ListUsers') }));
    assert.equal((await awsError(() => client.send(new ListUsersCommand({})))).message,
      `User: ${userArn('operator')} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${ACCOUNT}:user/ with an explicit deny in an identity-based policy`);
    // GetUser without a name is the calling user; that too needs iam:GetUser.
    await iam.send(new PutUserPolicyCommand({ UserName: 'operator', PolicyName: 'self', PolicyDocument: allow('iam:GetUser', userArn('${aws:username}')) }));
    assert.equal((await client.send(new GetUserCommand({}))).User!.UserName, 'operator');
  });

  it('answers the awsQuery XML shapes, and InvalidAction for an unknown action', async () => {
    const call = async (body: string) => send(h.endpoint, await signRequest(h.endpoint, {
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
      credentials: h.credentials, region: REGION, service: 'iam', signingDate: h.clock.now(),
    }));
    const ok = await call('Action=ListRoles&Version=2010-05-08&MaxItems=1');
    assert.equal(ok.status, 200);
    assert.match(ok.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<ListRolesResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><ListRolesResult><Roles>/);
    assert.match(ok.text, /<\/ListRolesResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/ListRolesResponse>$/);
    const unknown = await call('Action=FlyToTheMoon&Version=2010-05-08');
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /<Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>Could not find operation FlyToTheMoon for version 2010-05-08<\/Message><\/Error><RequestId>/);
    const missing = await call('Action=GetUserPolicy&Version=2010-05-08&UserName=x');
    assert.match(missing.text, /<Code>ValidationError<\/Code><Message>1 validation error detected: Value at &apos;policyName&apos; failed to satisfy constraint: Member must not be null<\/Message>/);
  });

  it('works with the aws CLI: create-user, get-user, sts get-caller-identity', async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    if (process.env.PYENV_ROOT) env.PYENV_ROOT = process.env.PYENV_ROOT;
    Object.assign(env, { AWS_CONFIG_FILE: join(h.dataDir, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(h.dataDir, 'aws-credentials'), AWS_PROFILE: 'locksmith' });
    const aws = async (...args: string[]) => JSON.parse((await promisify(execFile)('aws', ['--endpoint-url', h.endpoint, '--output', 'json', ...args], { env })).stdout);
    const created = await aws('iam', 'create-user', '--user-name', 'from-cli', '--path', '/cli/');
    assert.equal(created.User.Arn, userArn('from-cli', '/cli/'));
    assert.equal((await aws('iam', 'get-user', '--user-name', 'from-cli')).User.UserId, created.User.UserId);
    await aws('iam', 'create-role', '--role-name', 'cli-role', '--assume-role-policy-document', trust(ACCOUNT));
    // The CLI decodes the URL-encoded policy document, as it does against AWS.
    assert.deepEqual((await aws('iam', 'get-role', '--role-name', 'cli-role')).Role.AssumeRolePolicyDocument, JSON.parse(trust(ACCOUNT)));
    assert.deepEqual(await aws('sts', 'get-caller-identity'), { UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
    await assert.rejects(aws('iam', 'get-user', '--user-name', 'nobody-here'), /NoSuchEntity.*The user with name nobody-here cannot be found/s);
  });
});
