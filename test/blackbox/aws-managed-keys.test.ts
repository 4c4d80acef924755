import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, ManualClock } from '../../src/util/clock.js';
import { awsError, Harness } from './harness.js';

/**
 * AWS managed keys through the API (issue #4 item 6): DescribeKey of a predefined alias creates
 * the key (DescribeKey API reference), its policy is AWS's, and customers can read it but neither
 * use it directly nor manage it — AccessDeniedException "because no resource-based policy allows",
 * as AWS answers for AWS managed keys (elastic/cloudbeat#1749).
 */
const OWNER = '121212121212';
const OTHER = '343434343434';
const OWNER_ROOT = { accessKeyId: 'AKIAOWNERROOT0000001', secretAccessKey: 'owner-root-secret' };
const OTHER_ROOT = { accessKeyId: 'AKIAOTHERROOT0000001', secretAccessKey: 'other-root-secret' };
const ADMIN = { accessKeyId: 'AKIAOWNERADMIN000001', secretAccessKey: 'owner-admin-secret' };
const ROOT_ARN = `arn:aws:iam::${OWNER}:root`;
const ADMIN_ARN = `arn:aws:iam::${OWNER}:user/admin`;
const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
const SEED = {
  accounts: [
    { id: OWNER, rootAccessKeys: [OWNER_ROOT], users: [{ name: 'admin', accessKeys: [ADMIN], policies: [{ name: 'all', document: allowAll }] }] },
    { id: OTHER, rootAccessKeys: [OTHER_ROOT] },
  ],
};

/** GetKeyPolicy of aws/s3 in us-east-1, as AWS returns it (FogSecurity/aws-managed-kms-keys, reference_key_policies/s3.json). */
const S3_POLICY = `{
  "Version" : "2012-10-17",
  "Id" : "auto-s3-2",
  "Statement" : [ {
    "Sid" : "Allow access through S3 for all principals in the account that are authorized to use S3",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "${OWNER}",
        "kms:ViaService" : "s3.us-east-1.amazonaws.com"
      }
    }
  }, {
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::${OWNER}:root"
    },
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],
    "Resource" : "*"
  } ]
}`;

const denied = (who: string, action: string, resource: string) =>
  `User: ${who} is not authorized to perform: kms:${action} on resource: ${resource} because no resource-based policy allows the kms:${action} action`;

describe('AWS managed keys', () => {
  let h: Harness;
  let root: KMSClient;
  let admin: KMSClient;
  let other: KMSClient;
  let keyId: string;
  let arn: string;

  before(async () => {
    h = await Harness.start({ seed: SEED, clock: new ManualClock(Date.UTC(2026, 0, 1)) });
    [root, admin, other] = [OWNER_ROOT, ADMIN, OTHER_ROOT].map((c) => h.client(c));
  });
  after(async () => {
    for (const c of [root, admin, other]) c.destroy();
    await h.stop();
  });

  it('ListAliases lists the predefined aliases, without TargetKeyId until their key exists, paged with the stored ones', async () => {
    const region = 'eu-west-3';
    const kms = h.client(OWNER_ROOT, region);
    try {
      const arnOf = (name: string) => `arn:aws:kms:${region}:${OWNER}:${name}`;
      const fresh = (await kms.send(new ListAliasesCommand({}))).Aliases!;
      const names = fresh.map((a) => a.AliasName!);
      for (const service of ['s3', 'ebs', 'rds', 'lambda', 'secretsmanager', 'glue']) assert.ok(names.includes(`alias/aws/${service}`), service);
      assert.deepEqual(names, [...names].sort());
      for (const a of fresh) {
        assert.match(a.AliasName!, /^alias\/aws\//);
        assert.deepEqual(a, { AliasName: a.AliasName, AliasArn: arnOf(a.AliasName!) }, 'no TargetKeyId: AWS has not created the key yet');
      }

      const app = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: app.KeyId }));
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/zeta', TargetKeyId: app.KeyId }));
      const s3Key = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata!.KeyId;
      const all = (await kms.send(new ListAliasesCommand({}))).Aliases!;
      assert.deepEqual(all.map((a) => a.AliasName), ['alias/app', ...names, 'alias/zeta']);
      assert.equal(all.find((a) => a.AliasName === 'alias/aws/s3')!.TargetKeyId, s3Key);
      assert.equal(all.find((a) => a.AliasName === 'alias/aws/ebs')!.TargetKeyId, undefined);

      // Pages of 2 give every alias once, in order, whichever source it comes from.
      const paged: string[] = [];
      let marker: string | undefined;
      do {
        const page = await kms.send(new ListAliasesCommand({ Limit: 2, Marker: marker }));
        assert.ok(page.Aliases!.length <= 2 && page.Aliases!.length > 0);
        paged.push(...page.Aliases!.map((a) => a.AliasName!));
        assert.equal(page.Truncated, page.NextMarker !== undefined);
        marker = page.NextMarker;
      } while (marker);
      assert.deepEqual(paged, all.map((a) => a.AliasName));

      // Filtered by key: only that key's aliases.
      assert.deepEqual((await kms.send(new ListAliasesCommand({ KeyId: app.KeyId }))).Aliases!.map((a) => a.AliasName), ['alias/app', 'alias/zeta']);
    } finally {
      kms.destroy();
    }
  });

  it('DescribeKey of alias/aws/s3 creates the AWS managed key once', async () => {
    const before = await root.send(new ListKeysCommand({}));
    assert.equal(before.Keys!.length, 0);
    const md = (await root.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata!;
    keyId = md.KeyId!;
    arn = `arn:aws:kms:us-east-1:${OWNER}:key/${keyId}`;
    assert.equal(md.Arn, arn);
    assert.equal(md.AWSAccountId, OWNER);
    assert.equal(md.KeyManager, 'AWS');
    assert.equal(md.Origin, 'AWS_KMS');
    assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(md.KeyState, 'Enabled');
    assert.equal(md.Enabled, true);
    assert.equal(md.MultiRegion, false);
    assert.equal(md.Description, 'Default key that protects my S3 objects when no other key is defined');
    assert.equal(md.CreationDate?.getTime(), h.clock.now().getTime());

    // The same key every time, by alias name, alias ARN and key id; an IAM user may describe it too.
    for (const KeyId of ['alias/aws/s3', `arn:aws:kms:us-east-1:${OWNER}:alias/aws/s3`, keyId]) {
      assert.equal((await root.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.KeyId, keyId);
    }
    assert.equal((await admin.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata!.KeyId, keyId);
    assert.deepEqual((await root.send(new ListKeysCommand({}))).Keys, [{ KeyId: keyId, KeyArn: arn }]);
    const aliases = (await root.send(new ListAliasesCommand({}))).Aliases!;
    const s3 = aliases.find((a) => a.AliasName === 'alias/aws/s3');
    assert.equal(s3?.TargetKeyId, keyId);
    assert.equal(s3?.AliasArn, `arn:aws:kms:us-east-1:${OWNER}:alias/aws/s3`);
  });

  it('carries the key policy AWS sets and rotates every year', async () => {
    assert.equal((await root.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy, S3_POLICY);
    const status = await root.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 365);
    assert.equal(status.NextRotationDate?.getTime(), h.clock.now().getTime() + 365 * DAY_MS);
  });

  it('a customer cannot use it directly (no kms:ViaService)', async () => {
    for (const [client, who] of [[root, ROOT_ARN], [admin, ADMIN_ARN]] as const) {
      assert.deepEqual(await awsError(() => client.send(new EncryptCommand({ KeyId: 'alias/aws/s3', Plaintext: Buffer.from('x') }))), {
        name: 'AccessDeniedException', message: denied(who, 'Encrypt', arn), status: 400,
      });
      const e = await awsError(() => client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' })));
      assert.equal(e.message, denied(who, 'GenerateDataKey', arn));
    }
  });

  it('a customer cannot manage it: every change is AccessDeniedException', async () => {
    const changes: [string, () => Promise<unknown>][] = [
      ['DisableKey', () => admin.send(new DisableKeyCommand({ KeyId: keyId }))],
      ['EnableKey', () => admin.send(new EnableKeyCommand({ KeyId: keyId }))],
      ['PutKeyPolicy', () => admin.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify(allowAll) }))],
      ['ScheduleKeyDeletion', () => admin.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }))],
      ['EnableKeyRotation', () => admin.send(new EnableKeyRotationCommand({ KeyId: keyId }))],
      ['DisableKeyRotation', () => admin.send(new DisableKeyRotationCommand({ KeyId: keyId }))],
      ['UpdateKeyDescription', () => admin.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: 'mine' }))],
      ['TagResource', () => admin.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'k', TagValue: 'v' }] }))],
      ['CreateGrant', () => admin.send(new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: ADMIN_ARN, Operations: ['Encrypt'] }))],
      ['CreateAlias', () => admin.send(new CreateAliasCommand({ AliasName: 'alias/my-s3', TargetKeyId: keyId }))],
    ];
    for (const [action, call] of changes) {
      assert.deepEqual(await awsError(call), { name: 'AccessDeniedException', message: denied(ADMIN_ARN, action, arn), status: 400 }, action);
    }
    // The reserved alias itself cannot be created, retargeted or deleted (NotAuthorizedException, empty message).
    for (const call of [
      () => root.send(new CreateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: keyId })),
      () => root.send(new UpdateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: keyId })),
      () => root.send(new DeleteAliasCommand({ AliasName: 'alias/aws/s3' })),
    ]) {
      assert.equal((await awsError(call)).name, 'NotAuthorizedException');
    }
    const md = (await root.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;
    assert.equal(md.KeyState, 'Enabled');
    assert.equal(md.Description, 'Default key that protects my S3 objects when no other key is defined');
    assert.equal((await root.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy, S3_POLICY);
  });

  it('another account can neither see nor use it, and gets its own from its own alias', async () => {
    const otherRoot = `arn:aws:iam::${OTHER}:root`;
    assert.deepEqual(await awsError(() => other.send(new DescribeKeyCommand({ KeyId: arn }))), {
      name: 'AccessDeniedException', message: denied(otherRoot, 'DescribeKey', arn), status: 400,
    });
    const e = await awsError(() => other.send(new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from('x') })));
    assert.deepEqual(e, { name: 'AccessDeniedException', message: denied(otherRoot, 'Encrypt', arn), status: 400 });
    // The owner's alias ARN does not create a key in the owner's account for the other account.
    const lambdaAlias = `arn:aws:kms:us-east-1:${OWNER}:alias/aws/lambda`;
    assert.deepEqual(await awsError(() => other.send(new DescribeKeyCommand({ KeyId: lambdaAlias }))), {
      name: 'NotFoundException', message: `Alias ${lambdaAlias} is not found.`, status: 400,
    });
    const own = (await other.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata!;
    assert.equal(own.AWSAccountId, OTHER);
    assert.notEqual(own.KeyId, keyId);
    const policy = JSON.parse((await other.send(new GetKeyPolicyCommand({ KeyId: own.KeyId }))).Policy!);
    assert.equal(policy.Statement[0].Condition.StringEquals['kms:CallerAccount'], OTHER);
    assert.deepEqual((await root.send(new ListKeysCommand({}))).Keys, [{ KeyId: keyId, KeyArn: arn }]);
  });

  it('names of no known service are not predefined', async () => {
    assert.deepEqual(await awsError(() => root.send(new DescribeKeyCommand({ KeyId: 'alias/aws/nosuchservice' }))), {
      name: 'NotFoundException', message: `Alias arn:aws:kms:us-east-1:${OWNER}:alias/aws/nosuchservice is not found.`, status: 400,
    });
  });

  it('KMS rotates it a year after creation', async () => {
    h.advance(366 * DAY_MS);
    await h.server.runKeySchedule();
    root.destroy();
    root = h.client(OWNER_ROOT);
    const rotations = (await root.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations ?? [];
    assert.equal(rotations.length, 1);
    assert.equal(rotations[0].RotationType, 'AUTOMATIC');
    const status = await root.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.equal(status.KeyRotationEnabled, true);
    assert.ok(status.NextRotationDate!.getTime() > h.clock.now().getTime());
  });
});
