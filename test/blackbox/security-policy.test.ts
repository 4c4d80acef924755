/**
 * Regression tests for issue #11, findings 6 (Deny bypass through JSON escapes) and 8 (principal
 * identity). Each test replays the attack against a real server with the real SDK.
 */
import {
  CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, DeleteAccessKeyCommand, DeleteRoleCommand, DeleteRolePolicyCommand,
  DeleteUserCommand, DeleteUserPolicyCommand, GetRoleCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand, UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, EncryptCommand, GetKeyPolicyCommand, ListGrantsCommand, PutKeyPolicyCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, type Credentials as StsCredentials } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, Harness, awsError, iamClient, stsClient, type Credentials } from './harness.js';

const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const ADMIN = { Sid: 'admin', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: [ADMIN, ...statements] });
const INVALID_PRINCIPALS = 'Policy contains a statement with one or more invalid principals.';
const creds = (c: StsCredentials): Credentials => ({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
const ALLOW_ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

describe('security: policy text and principal identity (issue #11)', () => {
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

  const newKey = async (Policy?: string) => (await h.kms.send(new CreateKeyCommand({ Policy }))).KeyMetadata!;
  const encrypt = (keyId: string, c: Credentials = h.credentials) =>
    h.client(c).send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
  async function user(name: string, inline?: string): Promise<{ creds: Credentials; id: string }> {
    const u = (await iam.send(new CreateUserCommand({ UserName: name }))).User!;
    if (inline) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: inline }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { creds: { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }, id: u.UserId! };
  }
  async function deleteUser(name: string, c: Credentials, inline = false): Promise<void> {
    await iam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: c.accessKeyId }));
    if (inline) await iam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: 'p' }));
    await iam.send(new DeleteUserCommand({ UserName: name }));
  }

  describe('finding 6: condition keys are read from the parsed policy, never its raw text', () => {
    it('a Deny on aws:ResourceTag/… written with \\u escapes still applies', async () => {
      const deny = { Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/env': 'prod' } } };
      const text = policy(deny).replace('aws:ResourceTag', 'aws:Resource\\u0054ag');
      assert.ok(text.includes('Resource\\u0054ag'));
      const k = await newKey(text);
      await encrypt(k.KeyId!);
      await h.kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'env', TagValue: 'prod' }] }));
      assert.equal((await awsError(() => encrypt(k.KeyId!))).name, 'AccessDeniedException');
    });

    it('a Deny on kms:ResourceAliases written with \\u escapes (key and operator) still applies', async () => {
      const deny = {
        Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*',
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/blocked' } },
      };
      const text = policy(deny).replace('kms:ResourceAliases', 'kms:Resource\\u0041liases').replace('ForAnyValue', 'ForAnyV\\u0061lue');
      const k = await newKey(text);
      await encrypt(k.KeyId!);
      await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/blocked', TargetKeyId: k.KeyId }));
      assert.equal((await awsError(() => encrypt(k.KeyId!))).name, 'AccessDeniedException');
    });

    it('a resource tag read only through a policy variable is looked up too', async () => {
      // Deny unless the caller's tag value equals the key's: the variable is the only mention.
      const deny = {
        Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': '${aws:Resource\\u0054ag/region}' } },
      };
      const k = await newKey(policy(deny).replace('\\\\u0054', '\\u0054'));
      assert.equal((await awsError(() => encrypt(k.KeyId!))).name, 'AccessDeniedException');
      await h.kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'region', TagValue: 'us-east-1' }] }));
      await encrypt(k.KeyId!);
    });
  });

  describe('finding 8: principal identity', () => {
    it('CreateKey and PutKeyPolicy refuse principals that do not exist (user name matched case-sensitively)', async () => {
      await user('Carol');
      const allow = (arn: string) => policy({ Effect: 'Allow', Principal: { AWS: arn }, Action: 'kms:Encrypt', Resource: '*' });
      for (const arn of [userArn('nobody'), roleArn('nobody'), userArn('carol'), `arn:aws:iam::${ACCOUNT}:user/team/Carol`]) {
        const e = await awsError(() => newKey(allow(arn)));
        assert.deepEqual([e.name, e.message], ['MalformedPolicyDocumentException', INVALID_PRINCIPALS], arn);
      }
      const k = await newKey();
      const e = await awsError(() => h.kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: allow(userArn('nobody')) })));
      assert.deepEqual([e.name, e.message], ['MalformedPolicyDocumentException', INVALID_PRINCIPALS]);
      await h.kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: allow(userArn('Carol')) }));
    });

    it('user and role names are unique regardless of case', async () => {
      await user('dave');
      assert.equal((await awsError(() => iam.send(new CreateUserCommand({ UserName: 'DAVE' })))).name, 'EntityAlreadyExistsException');
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'sts:AssumeRole' }] });
      await iam.send(new CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: trust }));
      assert.equal((await awsError(() => iam.send(new CreateRoleCommand({ RoleName: 'OPS', AssumeRolePolicyDocument: trust })))).name, 'EntityAlreadyExistsException');
    });

    it('a recreated user does not inherit key-policy access; GetKeyPolicy shows the deleted user as its unique id', async () => {
      const first = await user('erin');
      const text = policy({ Sid: 'erin', Effect: 'Allow', Principal: { AWS: userArn('erin') }, Action: 'kms:Encrypt', Resource: '*' });
      const k = await newKey(text);
      await encrypt(k.KeyId!, first.creds);
      const shown = async () => JSON.parse((await h.kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default' }))).Policy!);
      assert.equal((await shown()).Statement[1].Principal.AWS, userArn('erin'));
      await deleteUser('erin', first.creds);
      assert.equal((await shown()).Statement[1].Principal.AWS, first.id);
      const second = await user('erin');
      assert.notEqual(second.id, first.id);
      assert.equal((await awsError(() => encrypt(k.KeyId!, second.creds))).name, 'AccessDeniedException');
      assert.equal((await shown()).Statement[1].Principal.AWS, first.id);
      // Saving the policy again binds the name to the new user (and an orphaned id is refused).
      const orphaned = JSON.stringify(await shown());
      const e = await awsError(() => h.kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: orphaned })));
      assert.deepEqual([e.name, e.message], ['MalformedPolicyDocumentException', INVALID_PRINCIPALS]);
      await h.kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: text }));
      await encrypt(k.KeyId!, second.creds);
    });

    it('a recreated user does not inherit grants; ListGrants shows the deleted grantee as its unique id', async () => {
      const first = await user('frank');
      const k = await newKey();
      await h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: userArn('frank'), RetiringPrincipal: userArn('frank'), Operations: ['Encrypt'] }));
      await encrypt(k.KeyId!, first.creds);
      const grant = async () => (await h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants![0];
      assert.deepEqual([(await grant()).GranteePrincipal, (await grant()).RetiringPrincipal], [userArn('frank'), userArn('frank')]);
      await deleteUser('frank', first.creds);
      const second = await user('frank');
      assert.equal((await awsError(() => encrypt(k.KeyId!, second.creds))).name, 'AccessDeniedException');
      assert.deepEqual([(await grant()).GranteePrincipal, (await grant()).RetiringPrincipal], [first.id, first.id]);
    });

    it('CreateGrant refuses grantee and retiring principals that do not exist', async () => {
      const k = await newKey();
      for (const input of [{ GranteePrincipal: userArn('ghost') }, { GranteePrincipal: ROOT, RetiringPrincipal: roleArn('ghost') }]) {
        const e = await awsError(() => h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, Operations: ['Encrypt'], ...input })));
        assert.equal(e.name, 'InvalidArnException');
      }
    });

    it('session credentials (GetSessionToken, GetFederationToken) of a deleted user stop working', async () => {
      const u = await user('gina', ALLOW_ALL);
      const k = await newKey(policy({ Effect: 'Allow', Principal: { AWS: userArn('gina') }, Action: 'kms:Encrypt', Resource: '*' }));
      const sts = stsClient(h, u.creds);
      const session = creds((await sts.send(new GetSessionTokenCommand({}))).Credentials!);
      const federated = creds((await sts.send(new GetFederationTokenCommand({ Name: 'fed', Policy: ALLOW_ALL }))).Credentials!);
      sts.destroy();
      await encrypt(k.KeyId!, session);
      await encrypt(k.KeyId!, federated);
      await deleteUser('gina', u.creds, true);
      // A namesake with every permission must not revive them either.
      await user('gina', ALLOW_ALL);
      for (const c of [session, federated]) {
        assert.equal((await awsError(() => encrypt(k.KeyId!, c))).name, 'UnrecognizedClientException');
        const s = stsClient(h, c);
        assert.equal((await awsError(() => s.send(new GetCallerIdentityCommand({})))).name, 'InvalidClientTokenId');
        s.destroy();
      }
    });

    it('a role trust policy binds the users it names: a recreated user cannot assume the role; GetRole shows the id', async () => {
      const assume = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] });
      const first = await user('ivan', assume);
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: userArn('ivan') }, Action: 'sts:AssumeRole' }] });
      await iam.send(new CreateRoleCommand({ RoleName: 'ivan-role', AssumeRolePolicyDocument: trust }));
      const trustShown = async () => JSON.parse(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'ivan-role' }))).Role!.AssumeRolePolicyDocument!));
      assert.equal((await trustShown()).Statement[0].Principal.AWS, userArn('ivan'));
      const assumeAs = async (c: Credentials) => {
        const sts = stsClient(h, c);
        try {
          return await sts.send(new AssumeRoleCommand({ RoleArn: roleArn('ivan-role'), RoleSessionName: 'job' }));
        } finally {
          sts.destroy();
        }
      };
      await assumeAs(first.creds);
      await deleteUser('ivan', first.creds, true);
      const second = await user('ivan', assume);
      assert.equal((await awsError(() => assumeAs(second.creds))).name, 'AccessDenied');
      assert.equal((await trustShown()).Statement[0].Principal.AWS, first.id);
      // Saving the trust policy again binds the name to the new user.
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'ivan-role', PolicyDocument: trust }));
      await assumeAs(second.creds);
      assert.equal((await trustShown()).Statement[0].Principal.AWS, userArn('ivan'));
    });

    it('role sessions of a deleted role stop working, also after a namesake role is created', async () => {
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'sts:AssumeRole' }] });
      const u = await user('hank', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }));
      await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: trust }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'p', PolicyDocument: ALLOW_ALL }));
      const k = await newKey();
      const sts = stsClient(h, u.creds);
      const session = creds((await sts.send(new AssumeRoleCommand({ RoleArn: roleArn('worker'), RoleSessionName: 'job' }))).Credentials!);
      sts.destroy();
      await encrypt(k.KeyId!, session);
      await iam.send(new DeleteRolePolicyCommand({ RoleName: 'worker', PolicyName: 'p' }));
      await iam.send(new DeleteRoleCommand({ RoleName: 'worker' }));
      await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: trust }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'p', PolicyDocument: ALLOW_ALL }));
      assert.equal((await awsError(() => encrypt(k.KeyId!, session))).name, 'UnrecognizedClientException');
    });
  });
});
