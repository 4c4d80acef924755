import {
  CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, DeleteUserCommand, GetRoleCommand, GetUserCommand, IAMClient,
  ListRoleTagsCommand, ListUserTagsCommand, ListUsersCommand, PutRolePolicyCommand, PutUserPolicyCommand, TagRoleCommand, TagUserCommand,
  UntagRoleCommand, UntagUserCommand, type Tag,
} from '@aws-sdk/client-iam';
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetFederationTokenCommand, type AssumeRoleCommandInput, type Credentials as StsCredentials } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, Harness, awsError, iamClient, stsClient, type Credentials } from './harness.js';

const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], condition?: object) => ({ Effect: 'Allow', Action: action, Resource: '*', Condition: condition });
/** kms:Encrypt only for principals tagged team=blue (IAM User Guide, "Controlling access for IAM principals"). */
const ENCRYPT_IF_BLUE = policy(allow('kms:Encrypt', { StringEquals: { 'aws:PrincipalTag/team': 'blue' } }));
const trust = (principal: string, actions: string[], condition?: object) =>
  policy({ Effect: 'Allow', Principal: { AWS: principal }, Action: actions, Condition: condition });
const creds = (c: StsCredentials): Credentials => ({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
const tags = (...pairs: [string, string][]): Tag[] => pairs.map(([Key, Value]) => ({ Key, Value }));
const many = (n: number, prefix = 'k') => tags(...Array.from({ length: n }, (_, i): [string, string] => [`${prefix}${i}`, `${i}`]));

describe('IAM principal tags and aws:PrincipalTag', () => {
  let h: Harness;
  let iam: IAMClient;
  let keyId: string;
  before(async () => {
    h = await Harness.start();
    iam = iamClient(h);
    keyId = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  });
  after(async () => {
    iam.destroy();
    await h.stop();
  });

  async function userWithKey(name: string, userTags?: Tag[]): Promise<Credentials> {
    await iam.send(new CreateUserCommand({ UserName: name, Tags: userTags }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  }
  const encrypt = (c: Credentials) => h.client(c).send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
  const encryptDenied = async (c: Credentials) => assert.equal((await awsError(() => encrypt(c))).name, 'AccessDeniedException');

  it('tags users: at creation, TagUser (replacing keys regardless of case), ListUserTags, GetUser, UntagUser', async () => {
    const created = await iam.send(new CreateUserCommand({ UserName: 'alice', Tags: tags(['Dept', 'eng'], ['empty', '']) }));
    assert.deepEqual(created.User!.Tags, tags(['Dept', 'eng'], ['empty', '']));
    await iam.send(new TagUserCommand({ UserName: 'ALICE', Tags: tags(['team', 'red'], ['dept', 'ops']) }));
    const listed = await iam.send(new ListUserTagsCommand({ UserName: 'alice' }));
    assert.deepEqual([listed.Tags, listed.IsTruncated], [tags(['dept', 'ops'], ['empty', ''], ['team', 'red']), false]);
    assert.deepEqual((await iam.send(new GetUserCommand({ UserName: 'alice' }))).User!.Tags, listed.Tags);
    const page1 = await iam.send(new ListUserTagsCommand({ UserName: 'alice', MaxItems: 2 }));
    const page2 = await iam.send(new ListUserTagsCommand({ UserName: 'alice', MaxItems: 2, Marker: page1.Marker }));
    assert.deepEqual([page1.IsTruncated, [...page1.Tags!, ...page2.Tags!]], [true, listed.Tags]);
    // Listing users does not return tags ("IAM resource-listing operations return a subset").
    assert.equal((await iam.send(new ListUsersCommand({}))).Users!.find((u) => u.UserName === 'alice')!.Tags, undefined);
    await iam.send(new UntagUserCommand({ UserName: 'alice', TagKeys: ['TEAM', 'absent', 'empty'] }));
    assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'alice' }))).Tags, tags(['dept', 'ops']));
    // Deleting a user deletes its tags: a namesake starts untagged.
    await iam.send(new DeleteUserCommand({ UserName: 'alice' }));
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'alice' }))).Tags, []);
    assert.equal((await iam.send(new GetUserCommand({ UserName: 'alice' }))).User!.Tags, undefined);
  });

  it('tags roles: CreateRole, TagRole, ListRoleTags, GetRole, UntagRole', async () => {
    const doc = trust(ACCOUNT, ['sts:AssumeRole']);
    assert.deepEqual((await iam.send(new CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: doc, Tags: tags(['a', '1']) }))).Role!.Tags,
      tags(['a', '1']));
    await iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: tags(['A', '2'], ['b', '3']) }));
    assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }))).Tags, tags(['A', '2'], ['b', '3']));
    await iam.send(new UntagRoleCommand({ RoleName: 'tagged', TagKeys: ['a'] }));
    assert.deepEqual((await iam.send(new GetRoleCommand({ RoleName: 'tagged' }))).Role!.Tags, tags(['b', '3']));
  });

  it('answers AWS errors: too many tags, the reserved aws: prefix, duplicate keys, bad members, missing entities', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'errs' }));
    assert.deepEqual(await awsError(() => iam.send(new TagUserCommand({ UserName: 'errs', Tags: many(51) }))), {
      name: 'ValidationError', status: 400,
      message: "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    });
    await iam.send(new TagUserCommand({ UserName: 'errs', Tags: many(30) }));
    assert.deepEqual(await awsError(() => iam.send(new TagUserCommand({ UserName: 'errs', Tags: [...many(5), ...many(21, 'n')] }))),
      { name: 'LimitExceededException', message: 'The number of tags has reached the maximum limit.', status: 409 });
    assert.equal((await iam.send(new ListUserTagsCommand({ UserName: 'errs' }))).Tags!.length, 30);
    await iam.send(new TagUserCommand({ UserName: 'errs', Tags: [...many(30), ...many(20, 'n')] })); // replacing counts once
    assert.deepEqual(await awsError(() => iam.send(new TagUserCommand({ UserName: 'errs', Tags: tags(['aws:team', 'x']) }))),
      { name: 'InvalidInputException', message: "Tag keys starting with 'aws:' are reserved for AWS internal use.", status: 400 });
    const reservedRole = await awsError(() => iam.send(new CreateRoleCommand({
      RoleName: 'reserved', AssumeRolePolicyDocument: trust(ACCOUNT, ['sts:AssumeRole']), Tags: tags(['AWS:x', 'y']),
    })));
    assert.equal(reservedRole.name, 'InvalidInputException');
    assert.equal((await awsError(() => iam.send(new GetRoleCommand({ RoleName: 'reserved' })))).name, 'NoSuchEntityException');
    assert.deepEqual(await awsError(() => iam.send(new CreateUserCommand({ UserName: 'dups', Tags: tags(['Team', 'a'], ['team', 'b']) }))),
      { name: 'InvalidInputException', message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.', status: 400 });
    assert.equal((await awsError(() => iam.send(new GetUserCommand({ UserName: 'dups' })))).name, 'NoSuchEntityException');
    assert.equal((await awsError(() => iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: tags(['k'.repeat(129), 'v']) })))).message,
      "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128");
    assert.equal((await awsError(() => iam.send(new UntagUserCommand({ UserName: 'errs', TagKeys: ['bad#key'] })))).message,
      "1 validation error detected: Value at 'tagKeys.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
    assert.deepEqual(await awsError(() => iam.send(new TagUserCommand({ UserName: 'nobody', Tags: tags(['a', 'b']) }))),
      { name: 'NoSuchEntityException', message: 'The user with name nobody cannot be found.', status: 404 });
    assert.equal((await awsError(() => iam.send(new ListRoleTagsCommand({ RoleName: 'nope' })))).message, 'The role with name nope cannot be found.');
  });

  it('authorizes tagging like other IAM actions, with aws:RequestTag and aws:TagKeys', async () => {
    const tagger = iamClient(h, await userWithKey('tagger'));
    await iam.send(new CreateUserCommand({ UserName: 'target' }));
    await iam.send(new PutUserPolicyCommand({
      UserName: 'tagger', PolicyName: 'tag', PolicyDocument: policy({
        Effect: 'Allow', Action: ['iam:TagUser', 'iam:ListUserTags'], Resource: userArn('target'),
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } },
      }),
    }));
    await tagger.send(new TagUserCommand({ UserName: 'target', Tags: tags(['team', 'blue']) }));
    assert.deepEqual((await tagger.send(new ListUserTagsCommand({ UserName: 'target' }))).Tags, tags(['team', 'blue']));
    const other = await awsError(() => tagger.send(new TagUserCommand({ UserName: 'target', Tags: tags(['dept', 'x']) })));
    assert.equal(other.message, `User: ${userArn('tagger')} is not authorized to perform: iam:TagUser on resource: ${userArn('target')} because no identity-based policy allows the iam:TagUser action`);
    assert.equal((await awsError(() => tagger.send(new UntagUserCommand({ UserName: 'target', TagKeys: ['team'] })))).name, 'AccessDenied');
    // Creating a user with tags needs iam:TagUser as well as iam:CreateUser.
    await iam.send(new PutUserPolicyCommand({ UserName: 'tagger', PolicyName: 'create', PolicyDocument: policy(allow('iam:CreateUser')) }));
    await tagger.send(new CreateUserCommand({ UserName: 'made-bare' }));
    assert.match((await awsError(() => tagger.send(new CreateUserCommand({ UserName: 'made-tagged', Tags: tags(['dept', 'x']) })))).message,
      /is not authorized to perform: iam:TagUser on resource: .*user\/made-tagged/);
  });

  it('aws:PrincipalTag of an IAM user follows its tags, request by request', async () => {
    const carol = await userWithKey('carol');
    await iam.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'blue-encrypt', PolicyDocument: ENCRYPT_IF_BLUE }));
    const refused = await awsError(() => encrypt(carol));
    assert.match(refused.message, /user\/carol is not authorized to perform: kms:Encrypt on resource: .* because no identity-based policy allows the kms:Encrypt action$/);
    await iam.send(new TagUserCommand({ UserName: 'carol', Tags: tags(['Team', 'blue']) })); // condition key names ignore case
    assert.ok((await encrypt(carol)).CiphertextBlob);
    await iam.send(new UntagUserCommand({ UserName: 'carol', TagKeys: ['team'] }));
    await encryptDenied(carol);
  });

  describe('session tags', () => {
    let dave: Credentials;
    const assume = ({ role, ...input }: Partial<AssumeRoleCommandInput> & { role: string }, as: Credentials = dave) =>
      stsClient(h, as).send(new AssumeRoleCommand({ ...input, RoleArn: roleArn(role), RoleSessionName: input.RoleSessionName ?? 'sess' }));
    before(async () => {
      dave = await userWithKey('dave');
      await iam.send(new CreateRoleCommand({
        RoleName: 'worker', AssumeRolePolicyDocument: trust(userArn('dave'), ['sts:AssumeRole', 'sts:TagSession']), Tags: tags(['team', 'red']),
      }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'p', PolicyDocument: ENCRYPT_IF_BLUE }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'chain', PolicyDocument: policy(allow(['sts:AssumeRole', 'sts:TagSession'])) }));
      await iam.send(new CreateRoleCommand({ RoleName: 'plain', AssumeRolePolicyDocument: trust(userArn('dave'), ['sts:AssumeRole']) }));
    });

    it('a session tag overrides the role tag with the same key', async () => {
      await encryptDenied(creds((await assume({ role: 'worker' })).Credentials!)); // the role's own tag: team=red
      const blue = await assume({ role: 'worker', Tags: tags(['TEAM', 'blue']) });
      assert.ok((await encrypt(creds(blue.Credentials!))).CiphertextBlob);
      await encryptDenied(creds((await assume({ role: 'worker', Tags: tags(['team', 'green']) })).Credentials!));
    });

    it('refuses session tags unless the trust policy allows sts:TagSession, with its conditions', async () => {
      assert.ok((await assume({ role: 'plain' })).Credentials);
      assert.deepEqual(await awsError(() => assume({ role: 'plain', Tags: tags(['team', 'blue']) })), {
        name: 'AccessDenied', status: 403,
        message: `User: ${userArn('dave')} is not authorized to perform: sts:TagSession on resource: ${roleArn('plain')}`,
      });
      await iam.send(new CreateRoleCommand({
        RoleName: 'only-blue',
        AssumeRolePolicyDocument: policy(
          { Effect: 'Allow', Principal: { AWS: userArn('dave') }, Action: 'sts:AssumeRole' },
          { Effect: 'Allow', Principal: { AWS: userArn('dave') }, Action: 'sts:TagSession', Condition: { StringEquals: { 'aws:RequestTag/team': 'blue' } } },
        ),
      }));
      assert.equal((await awsError(() => assume({ role: 'only-blue', Tags: tags(['team', 'red']) }))).name, 'AccessDenied');
      assert.ok((await assume({ role: 'only-blue', Tags: tags(['team', 'blue']) })).Credentials);
    });

    it('validates session tags as STS does', async () => {
      assert.deepEqual(await awsError(() => assume({ role: 'worker', Tags: tags(['a', '1'], ['A', '2']) })), {
        name: 'InvalidParameterValue', status: 400, message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      });
      assert.equal((await awsError(() => assume({ role: 'worker', Tags: many(51) }))).name, 'ValidationError');
      assert.equal((await awsError(() => assume({ role: 'worker', Tags: tags(['aws:x', '1']) }))).name, 'InvalidParameterValue');
      assert.deepEqual(await awsError(() => assume({ role: 'worker', Tags: tags(['a', '1']), TransitiveTagKeys: ['b'] })), {
        name: 'InvalidParameterValue', status: 400, message: 'The specified transitive tag key must be included in the requested tags.',
      });
    });

    it('passes transitive tags down a role chain; they cannot be set again and need sts:TagSession', async () => {
      await iam.send(new CreateRoleCommand({ RoleName: 'next', AssumeRolePolicyDocument: trust(roleArn('worker'), ['sts:AssumeRole', 'sts:TagSession']) }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'next', PolicyName: 'p', PolicyDocument: ENCRYPT_IF_BLUE }));
      await iam.send(new CreateRoleCommand({ RoleName: 'next-plain', AssumeRolePolicyDocument: trust(roleArn('worker'), ['sts:AssumeRole']) }));
      const first = creds((await assume({ role: 'worker', Tags: tags(['team', 'blue'], ['dept', 'x']), TransitiveTagKeys: ['TEAM'] })).Credentials!);
      const second = creds((await assume({ role: 'next', Tags: tags(['other', 'y']) }, first)).Credentials!);
      assert.ok((await encrypt(second)).CiphertextBlob); // team=blue inherited
      assert.deepEqual(await awsError(() => assume({ role: 'next', Tags: tags(['Team', 'red']) }, first)), {
        name: 'InvalidParameterValue', status: 400,
        message: "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
      });
      assert.match((await awsError(() => assume({ role: 'next-plain' }, first))).message, /is not authorized to perform: sts:TagSession on resource: .*role\/next-plain$/);
      // Non-transitive tags do not pass on: without transitive keys the chain carries no tags.
      const untransitive = creds((await assume({ role: 'worker', Tags: tags(['team', 'blue']) })).Credentials!);
      assert.ok((await assume({ role: 'next-plain' }, untransitive)).Credentials);
      await encryptDenied(creds((await assume({ role: 'next' }, untransitive)).Credentials!));
    });

    it('GetFederationToken: session tags override the user tags and need sts:TagSession', async () => {
      const broker = stsClient(h, await userWithKey('broker', tags(['team', 'red'])));
      const brokerPolicy = (actions: string[]) => iam.send(new PutUserPolicyCommand({
        UserName: 'broker', PolicyName: 'p', PolicyDocument: policy(allow(actions), JSON.parse(ENCRYPT_IF_BLUE).Statement[0]),
      }));
      await brokerPolicy(['sts:GetFederationToken']);
      const fed = (t?: Tag[]) => broker.send(new GetFederationTokenCommand({ Name: 'fed', Policy: policy(allow('kms:Encrypt')), Tags: t }));
      assert.match((await awsError(() => fed(tags(['team', 'blue'])))).message,
        /user\/broker is not authorized to perform: sts:TagSession on resource: .*federated-user\/fed because no identity-based policy allows/);
      await brokerPolicy(['sts:GetFederationToken', 'sts:TagSession']);
      await encryptDenied(creds((await fed()).Credentials!)); // the user's own tag team=red
      assert.ok((await encrypt(creds((await fed(tags(['team', 'blue']))).Credentials!))).CiphertextBlob);
    });
  });
});
