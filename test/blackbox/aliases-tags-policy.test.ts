import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  GetKeyPolicyCommand,
  ListAliasesCommand,
  ListKeyPoliciesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  EncryptCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, awsError, Harness, REGION } from './harness.js';

describe('aliases, tags and key policies', () => {
  let h: Harness;
  before(async () => (h = await Harness.start()));
  after(() => h.stop());
  const newKey = async (extra: object = {}) => (await h.kms.send(new CreateKeyCommand(extra))).KeyMetadata!;
  const aliasArn = (name: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:${name}`;

  it('CreateAlias / UpdateAlias / DeleteAlias / ListAliases with KeyId filter and pagination', async () => {
    const a = await newKey();
    const b = await newKey();
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: a.KeyId }));
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/app-2', TargetKeyId: a.Arn }));
    const dup = await awsError(() => h.kms.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: b.KeyId })));
    assert.equal(dup.name, 'AlreadyExistsException');
    assert.equal(dup.message, `An alias with the name ${aliasArn('alias/app')} already exists`);
    const forA = await h.kms.send(new ListAliasesCommand({ KeyId: a.KeyId }));
    assert.deepEqual(forA.Aliases!.map((x) => x.AliasName), ['alias/app', 'alias/app-2']);
    const entry = forA.Aliases![0];
    assert.equal(entry.AliasArn, aliasArn('alias/app'));
    assert.equal(entry.TargetKeyId, a.KeyId);
    assert.ok(entry.CreationDate instanceof Date && entry.LastUpdatedDate instanceof Date);
    await h.kms.send(new UpdateAliasCommand({ AliasName: 'alias/app', TargetKeyId: b.KeyId }));
    const forB = await h.kms.send(new ListAliasesCommand({ KeyId: b.Arn }));
    assert.deepEqual(forB.Aliases!.map((x) => x.AliasName), ['alias/app']);
    const enc = await h.kms.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: Buffer.from('x') }));
    assert.equal(enc.KeyId, b.Arn);
    const page1 = await h.kms.send(new ListAliasesCommand({ Limit: 1 }));
    assert.equal(page1.Aliases!.length, 1);
    assert.equal(page1.Truncated, true);
    const page2 = await h.kms.send(new ListAliasesCommand({ Limit: 1, Marker: page1.NextMarker }));
    assert.notEqual(page2.Aliases![0].AliasName, page1.Aliases![0].AliasName);
    await h.kms.send(new DeleteAliasCommand({ AliasName: 'alias/app' }));
    const gone = await awsError(() => h.kms.send(new DeleteAliasCommand({ AliasName: 'alias/app' })));
    assert.equal(gone.name, 'NotFoundException');
    assert.equal(gone.message, `Alias ${aliasArn('alias/app')} is not found.`);
    const upd = await awsError(() => h.kms.send(new UpdateAliasCommand({ AliasName: 'alias/none', TargetKeyId: a.KeyId })));
    assert.equal(upd.name, 'NotFoundException');
  });

  it('alias names: prefix required, alias/aws/ reserved, pattern enforced, pending-deletion target refused', async () => {
    const k = await newKey();
    const noPrefix = await awsError(() => h.kms.send(new CreateAliasCommand({ AliasName: 'app', TargetKeyId: k.KeyId })));
    assert.equal(noPrefix.name, 'ValidationException');
    assert.equal(noPrefix.message, 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
    const reserved = await awsError(() => h.kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: k.KeyId })));
    assert.equal(reserved.name, 'NotAuthorizedException');
    const bad = await awsError(() => h.kms.send(new CreateAliasCommand({ AliasName: 'alias/has space', TargetKeyId: k.KeyId })));
    assert.equal(bad.name, 'ValidationException');
    assert.equal(bad.message, "1 validation error detected: Value 'alias/has space' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
    const byAlias = await awsError(() => h.kms.send(new CreateAliasCommand({ AliasName: 'alias/x', TargetKeyId: 'alias/y' })));
    assert.equal(byAlias.name, 'NotFoundException');
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
    const pending = await awsError(() => h.kms.send(new CreateAliasCommand({ AliasName: 'alias/late', TargetKeyId: k.KeyId })));
    assert.equal(pending.name, 'KMSInvalidStateException');
    assert.equal(pending.message, `${k.Arn} is pending deletion.`);
  });

  it('tags: CreateKey Tags, TagResource overwrites, UntagResource, ListResourceTags pagination, TagException cases', async () => {
    const k = await newKey({ Tags: [{ TagKey: 'team', TagValue: 'blue' }] });
    await h.kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'team', TagValue: 'red' }, { TagKey: 'env', TagValue: '' }] }));
    let tags = await h.kms.send(new ListResourceTagsCommand({ KeyId: k.Arn }));
    assert.deepEqual(tags.Tags, [{ TagKey: 'env', TagValue: '' }, { TagKey: 'team', TagValue: 'red' }]);
    assert.equal(tags.Truncated, false);
    const p1 = await h.kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId, Limit: 1 }));
    assert.deepEqual(p1.Tags, [{ TagKey: 'env', TagValue: '' }]);
    assert.equal(p1.Truncated, true);
    const p2 = await h.kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId, Limit: 1, Marker: p1.NextMarker }));
    assert.deepEqual(p2.Tags, [{ TagKey: 'team', TagValue: 'red' }]);
    await h.kms.send(new UntagResourceCommand({ KeyId: k.KeyId, TagKeys: ['team', 'never-there'] }));
    tags = await h.kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId }));
    assert.deepEqual(tags.Tags, [{ TagKey: 'env', TagValue: '' }]);

    const cases: [object[], string][] = [
      [[{ TagKey: 'a', TagValue: '1' }, { TagKey: 'a', TagValue: '2' }], 'Duplicate tag keys'],
      [Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' })), 'Too many tags'],
      [[{ TagKey: 'aws:owner', TagValue: 'x' }], 'Tags beginning with aws: are reserved'],
      [[{ TagKey: 'AWS:owner', TagValue: 'x' }], 'Tags beginning with aws: are reserved'],
    ];
    for (const [Tags, message] of cases) {
      const viaTag = await awsError(() => h.kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: Tags as never })));
      assert.deepEqual([viaTag.name, viaTag.message], ['TagException', message]);
      const viaCreate = await awsError(() => h.kms.send(new CreateKeyCommand({ Tags: Tags as never })));
      assert.deepEqual([viaCreate.name, viaCreate.message], ['TagException', message]);
    }
    // 49 more tags on top of one existing = 50 is fine; one more is too many.
    await h.kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: Array.from({ length: 49 }, (_, i) => ({ TagKey: `t${i}`, TagValue: 'v' })) }));
    const over = await awsError(() => h.kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'one-more', TagValue: 'v' }] })));
    assert.deepEqual([over.name, over.message], ['TagException', 'Too many tags']);
    const long = await awsError(() => h.kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'a'.repeat(129), TagValue: 'v' }] })));
    assert.equal(long.message, `1 validation error detected: Value '${'a'.repeat(129)}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128`);
  });

  it('the default key policy is exactly AWS\'s; PutKeyPolicy stores and validates; ListKeyPolicies', async () => {
    const k = await newKey();
    const got = await h.kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default' }));
    assert.equal(got.PolicyName, 'default');
    assert.deepEqual(JSON.parse(got.Policy!), {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
    });
    const listed = await h.kms.send(new ListKeyPoliciesCommand({ KeyId: k.KeyId }));
    assert.deepEqual(listed.PolicyNames, ['default']);
    assert.equal(listed.Truncated, false);
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'x', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] });
    await h.kms.send(new PutKeyPolicyCommand({ KeyId: k.Arn, PolicyName: 'default', Policy: policy }));
    assert.equal((await h.kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }))).Policy, policy);
    for (const bad of ['{not json', '[]', '{"Statement":[]}', '{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"kms:*","Resource":"*"}]}', '{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}']) {
      const e = await awsError(() => h.kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: bad })));
      assert.equal(e.name, 'MalformedPolicyDocumentException', bad);
    }
    const created = await awsError(() => h.kms.send(new CreateKeyCommand({ Policy: '{nope' })));
    assert.equal(created.name, 'MalformedPolicyDocumentException');
    const withPolicy = await newKey({ Policy: policy });
    assert.equal((await h.kms.send(new GetKeyPolicyCommand({ KeyId: withPolicy.KeyId }))).Policy, policy);
    const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'x'.repeat(33000), Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] });
    const tooBig = await awsError(() => h.kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: big })));
    assert.equal(tooBig.name, 'LimitExceededException');
  });

  it('CreateKey refuses what Locksmith cannot honour yet, and incompatible spec/usage pairs', async () => {
    const usage = await awsError(() => h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256' })));
    assert.equal(usage.message, 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
    const incompatible = await awsError(() => h.kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'KEY_AGREEMENT' })));
    assert.equal(incompatible.message, 'KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048');
    const symmetricSign = await awsError(() => h.kms.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY' })));
    assert.equal(symmetricSign.name, 'ValidationException');
    const enumBad = await awsError(() => h.kms.send(new CreateKeyCommand({ KeySpec: 'NOPE' as never })));
    assert.equal(enumBad.name, 'ValidationException');
    assert.match(enumBad.message, /^1 validation error detected: Value 'NOPE' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: \[/);
  });
});
