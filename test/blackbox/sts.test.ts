import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, ListUsersCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, type Credentials as StsCredentials } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, Harness, awsError, iamClient, stsClient, type Credentials } from './harness.js';

const OTHER = '111111111111';
const OTHER_ROOT = { accessKeyId: 'AKIAOTHERROOT0000001', secretAccessKey: 'other-root-secret' };
const OTHER_USER = { accessKeyId: 'AKIAOTHERUSER0000001', secretAccessKey: 'other-user-secret' };
const doc = (effect: string, action: string | string[], resource = '*') => ({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: action, Resource: resource }] });
const allow = (action: string | string[], resource = '*') => JSON.stringify(doc('Allow', action, resource));
const trust = (...principals: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principals }, Action: 'sts:AssumeRole' }] });
const userArn = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:user/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const creds = (c: StsCredentials): Credentials => ({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });

// A second account, seeded: its root and a user allowed to assume roles anywhere.
const SEED = {
  accounts: [{
    id: OTHER,
    rootAccessKeys: [OTHER_ROOT],
    users: [{ name: 'visitor', accessKeys: [OTHER_USER], policies: [{ name: 'assume', document: doc('Allow', 'sts:AssumeRole') }] }],
  }],
};

describe('STS over awsQuery', () => {
  let h: Harness;
  let iam: IAMClient;
  let bob: Credentials;
  before(async () => {
    h = await Harness.start({ seed: SEED });
    iam = iamClient(h);
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
    bob = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust(userArn('bob')), MaxSessionDuration: 7200 }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'work', PolicyDocument: allow(['kms:ListKeys', 'kms:CreateKey', 'iam:ListUsers']) }));
    await iam.send(new CreateRoleCommand({ RoleName: 'delegated', AssumeRolePolicyDocument: trust(ACCOUNT, OTHER) }));
  });
  after(async () => {
    iam.destroy();
    await h.stop();
  });

  it('GetCallerIdentity shows the root and IAM users as AWS does', async () => {
    assert.deepEqual({ ...(await stsClient(h).send(new GetCallerIdentityCommand({}))), $metadata: undefined },
      { UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root`, $metadata: undefined });
    const me = await stsClient(h, bob).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, userArn('bob'));
    assert.match(me.UserId!, /^AIDA[A-Z0-9]{17}$/);
  });

  it('AssumeRole issues session credentials that act as the role (STS, IAM, KMS)', async () => {
    const out = await stsClient(h, bob).send(new AssumeRoleCommand({ RoleArn: roleArn('app'), RoleSessionName: 'build-42' }));
    const role = await iam.send(new ListUsersCommand({})); // root still works
    assert.ok(role.Users);
    assert.match(out.Credentials!.AccessKeyId!, /^ASIA[A-Z0-9]{16}$/);
    assert.equal(out.Credentials!.Expiration!.getTime(), Math.floor(h.clock.now().getTime() / 1000) * 1000 + 3600_000);
    assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/app/build-42`);
    assert.match(out.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z0-9]{17}:build-42$/);
    const session = creds(out.Credentials!);
    const me = await stsClient(h, session).send(new GetCallerIdentityCommand({}));
    assert.deepEqual([me.Arn, me.UserId, me.Account], [out.AssumedRoleUser!.Arn, out.AssumedRoleUser!.AssumedRoleId, ACCOUNT]);
    assert.ok(Array.isArray((await h.client(session).send(new ListKeysCommand({}))).Keys));
    assert.ok(Array.isArray((await iamClient(h, session).send(new ListUsersCommand({}))).Users));
    // A session token that does not belong to the key is refused.
    const forged = { ...session, sessionToken: session.sessionToken!.slice(1) + 'A' };
    assert.deepEqual(await awsError(() => stsClient(h, forged).send(new GetCallerIdentityCommand({}))),
      { name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 });
  });

  it('a session policy bounds the role session', async () => {
    const out = await stsClient(h, bob).send(new AssumeRoleCommand({ RoleArn: roleArn('app'), RoleSessionName: 'narrow', Policy: allow('kms:ListKeys') }));
    const kms = h.client(creds(out.Credentials!));
    assert.ok((await kms.send(new ListKeysCommand({}))).Keys);
    const denied = await awsError(() => kms.send(new CreateKeyCommand({})));
    assert.equal(denied.name, 'AccessDeniedException');
    assert.match(denied.message, /assumed-role\/app\/narrow is not authorized to perform: kms:CreateKey on resource: .* because no session policy allows the kms:CreateKey action$/);
  });

  it('refuses AssumeRole without trust, for the root, for a missing role, and validates input', async () => {
    const message = (caller: string, role: string) => `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${role}`;
    const bobSts = stsClient(h, bob);
    // "delegated" trusts the account: bob also needs an identity-policy Allow.
    assert.deepEqual(await awsError(() => bobSts.send(new AssumeRoleCommand({ RoleArn: roleArn('delegated'), RoleSessionName: 's1' }))),
      { name: 'AccessDenied', message: message(userArn('bob'), roleArn('delegated')), status: 403 });
    await iam.send(new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'assume', PolicyDocument: allow('sts:AssumeRole', roleArn('delegated')) }));
    assert.equal((await bobSts.send(new AssumeRoleCommand({ RoleArn: roleArn('delegated'), RoleSessionName: 's1' }))).AssumedRoleUser!.Arn,
      `arn:aws:sts::${ACCOUNT}:assumed-role/delegated/s1`);
    assert.deepEqual(await awsError(() => bobSts.send(new AssumeRoleCommand({ RoleArn: roleArn('nope'), RoleSessionName: 's1' }))),
      { name: 'AccessDenied', message: message(userArn('bob'), roleArn('nope')), status: 403 });
    assert.deepEqual(await awsError(() => stsClient(h).send(new AssumeRoleCommand({ RoleArn: roleArn('app'), RoleSessionName: 's1' }))),
      { name: 'AccessDenied', message: 'Roles may not be assumed by root accounts.', status: 403 });
    assert.deepEqual(await awsError(() => bobSts.send(new AssumeRoleCommand({ RoleArn: roleArn('app'), RoleSessionName: 'x' }))), {
      name: 'ValidationError', status: 400,
      message: "1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    });
    assert.deepEqual(await awsError(() => bobSts.send(new AssumeRoleCommand({ RoleArn: roleArn('app'), RoleSessionName: 'long', DurationSeconds: 7201 }))),
      { name: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', status: 400 });
    assert.deepEqual(await awsError(() => bobSts.send(new AssumeRoleCommand({ RoleArn: roleArn('app'), RoleSessionName: 'pp', Policy: '{"nope"' }))),
      { name: 'MalformedPolicyDocumentException', message: 'Syntax errors in policy.', status: 400 });
  });

  it('lets another account assume a role that trusts it, with its own identity allow', async () => {
    const out = await stsClient(h, OTHER_USER).send(new AssumeRoleCommand({ RoleArn: roleArn('delegated'), RoleSessionName: 'visit' }));
    const me = await stsClient(h, creds(out.Credentials!)).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Account, ACCOUNT);
    assert.equal(me.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/delegated/visit`);
    // "app" trusts only bob: the other account is refused.
    assert.equal((await awsError(() => stsClient(h, OTHER_USER).send(new AssumeRoleCommand({ RoleArn: roleArn('app'), RoleSessionName: 'visit' })))).message,
      `User: ${userArn('visitor', OTHER)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn('app')}`);
    assert.equal((await stsClient(h, OTHER_ROOT).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${OTHER}:root`);
  });

  it('expires sessions by the server clock: ExpiredToken', async () => {
    const out = await stsClient(h, bob).send(new AssumeRoleCommand({ RoleArn: roleArn('app'), RoleSessionName: 'short', DurationSeconds: 900 }));
    const session = creds(out.Credentials!);
    assert.equal((await stsClient(h, session).send(new GetCallerIdentityCommand({}))).Account, ACCOUNT);
    h.advance(901_000);
    iam = iamClient(h); // sign with the moved clock
    assert.deepEqual(await awsError(() => stsClient(h, session).send(new GetCallerIdentityCommand({}))),
      { name: 'ExpiredToken', message: 'The security token included in the request is expired', status: 403 });
    const kms = await awsError(() => h.client(session).send(new ListKeysCommand({})));
    assert.deepEqual([kms.name, kms.message], ['ExpiredTokenException', 'The security token included in the request is expired']);
  });

  it('GetSessionToken keeps the caller identity; such sessions cannot call IAM or GetSessionToken', async () => {
    const out = await stsClient(h, bob).send(new GetSessionTokenCommand({ DurationSeconds: 1800 }));
    assert.equal(out.Credentials!.Expiration!.getTime(), Math.floor(h.clock.now().getTime() / 1000) * 1000 + 1800_000);
    const session = creds(out.Credentials!);
    const me = await stsClient(h, session).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, userArn('bob'));
    assert.deepEqual(await awsError(() => iamClient(h, session).send(new ListUsersCommand({}))),
      { name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid', status: 403 });
    assert.deepEqual(await awsError(() => stsClient(h, session).send(new GetSessionTokenCommand({}))),
      { name: 'AccessDenied', message: 'Cannot call GetSessionToken with session credentials', status: 403 });
    const rootSession = await stsClient(h).send(new GetSessionTokenCommand({ DurationSeconds: 129600 }));
    assert.equal(rootSession.Credentials!.Expiration!.getTime(), Math.floor(h.clock.now().getTime() / 1000) * 1000 + 3600_000);
    assert.equal((await stsClient(h, creds(rootSession.Credentials!)).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${ACCOUNT}:root`);
  });

  it('GetFederationToken: needs permission; the session has the intersection of user and session policies', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'broker' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'broker' }))).AccessKey!;
    const broker = stsClient(h, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    const fedArn = `arn:aws:sts::${ACCOUNT}:federated-user/carol`;
    assert.equal((await awsError(() => broker.send(new GetFederationTokenCommand({ Name: 'carol' })))).message,
      `User: ${userArn('broker')} is not authorized to perform: sts:GetFederationToken on resource: ${fedArn} because no identity-based policy allows the sts:GetFederationToken action`);
    await iam.send(new PutUserPolicyCommand({ UserName: 'broker', PolicyName: 'p', PolicyDocument: allow(['sts:GetFederationToken', 'kms:ListKeys', 'kms:CreateKey']) }));
    const out = await broker.send(new GetFederationTokenCommand({ Name: 'carol', Policy: allow(['kms:ListKeys', 'kms:Decrypt']) }));
    assert.deepEqual(out.FederatedUser, { Arn: fedArn, FederatedUserId: `${ACCOUNT}:carol` });
    assert.equal(out.Credentials!.Expiration!.getTime(), Math.floor(h.clock.now().getTime() / 1000) * 1000 + 43200_000);
    const session = creds(out.Credentials!);
    const me = await stsClient(h, session).send(new GetCallerIdentityCommand({}));
    assert.deepEqual([me.Arn, me.UserId, me.Account], [fedArn, `${ACCOUNT}:carol`, ACCOUNT]);
    const kms = h.client(session);
    assert.ok((await kms.send(new ListKeysCommand({}))).Keys);
    assert.match((await awsError(() => kms.send(new CreateKeyCommand({})))).message, /because no session policy allows the kms:CreateKey action$/);
    assert.equal((await awsError(() => iamClient(h, session).send(new ListUsersCommand({})))).name, 'InvalidClientTokenId');
    assert.equal((await awsError(() => stsClient(h, session).send(new GetFederationTokenCommand({ Name: 'again' })))).name, 'AccessDenied');
    // Without a session policy a federated user has no permissions.
    const bare = await broker.send(new GetFederationTokenCommand({ Name: 'dave' }));
    assert.equal((await awsError(() => h.client(creds(bare.Credentials!)).send(new ListKeysCommand({})))).name, 'AccessDeniedException');
  });
});
