import { CIPHERTEXT_KEY_UNAVAILABLE } from '../../src/services/kms/kms-service.js';
import {
  CancelKeyDeletionCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EncryptCommand,
  GenerateMacCommand, GetKeyPolicyCommand, GetPublicKeyCommand, KMSClient, ListKeysCommand, ListResourceTagsCommand,
  ReplicateKeyCommand, ScheduleKeyDeletionCommand, SignCommand, UpdatePrimaryRegionCommand, VerifyCommand, VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PRIMARY_REGION_UPDATING_MS, REPLICA_CREATING_MS } from '../../src/services/kms/transient-key-states.js';
import { DAY_MS } from '../../src/util/clock.js';
import { ACCOUNT, awsError, Harness, iamClient, REGION, type Credentials } from './harness.js';

const EU = 'eu-west-1';
const AP = 'ap-southeast-2';
const arnIn = (region: string, keyId: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/${keyId}`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const policy = (...extra: object[]) => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Replica admins', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }, ...extra],
});

describe('Multi-Region keys', () => {
  let h: Harness;
  const clients: KMSClient[] = [];
  before(async () => (h = await Harness.start()));
  after(async () => {
    for (const c of clients) c.destroy();
    await h.stop();
  });
  /** A client for a region, signing with the server's current clock. */
  const kms = (region = REGION, creds?: Credentials) => {
    const c = h.client(creds ?? h.credentials, region);
    clients.push(c);
    return c;
  };
  const createMrk = async (extra: object = {}) =>
    (await kms().send(new CreateKeyCommand({ MultiRegion: true, Description: 'primary', ...extra }))).KeyMetadata!;
  /** ReplicateKey, then the clock moved past the replica's few seconds in Creating. */
  const replicate = async (KeyId: string, ReplicaRegion: string, extra: object = {}) => {
    const out = await kms().send(new ReplicateKeyCommand({ KeyId, ReplicaRegion, ...extra }));
    h.advance(REPLICA_CREATING_MS);
    return out;
  };
  const describe_ = async (region: string, KeyId: string) => (await kms(region).send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;

  it('ReplicateKey makes a replica with its own policy, description and tags; DescribeKey agrees in both regions', async () => {
    const md = await createMrk({ Tags: [{ TagKey: 'Env', TagValue: 'prod' }] });
    const replicaPolicy = policy();
    const out = await replicate(md.KeyId!, EU, { Description: 'replica', Policy: replicaPolicy, Tags: [{ TagKey: 'Team', TagValue: 'eu' }] });
    const r = out.ReplicaKeyMetadata!;
    assert.equal(r.Arn, arnIn(EU, md.KeyId!));
    assert.equal(r.KeyId, md.KeyId);
    assert.equal(r.Description, 'replica');
    // Transient until a few seconds pass (ReplicateKey API reference); `replicate` moved the clock past them.
    assert.deepEqual([r.KeyState, r.Enabled], ['Creating', false]);
    assert.equal((await describe_(EU, md.KeyId!)).KeyState, 'Enabled');
    assert.deepEqual([r.KeySpec, r.KeyUsage, r.Origin, r.MultiRegion], [md.KeySpec, md.KeyUsage, md.Origin, true]);
    assert.deepEqual(r.MultiRegionConfiguration, {
      MultiRegionKeyType: 'REPLICA',
      PrimaryKey: { Arn: md.Arn, Region: REGION },
      ReplicaKeys: [{ Arn: r.Arn, Region: EU }],
    });
    assert.equal(out.ReplicaPolicy, replicaPolicy);
    assert.deepEqual(out.ReplicaTags, [{ TagKey: 'Team', TagValue: 'eu' }]);
    assert.deepEqual(await describe_(EU, md.KeyId!), { ...r, KeyState: 'Enabled', Enabled: true });
    const primary = await describe_(REGION, md.KeyId!);
    assert.equal(primary.Description, 'primary');
    assert.deepEqual(primary.MultiRegionConfiguration, {
      MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Arn: md.Arn, Region: REGION },
      ReplicaKeys: [{ Arn: r.Arn, Region: EU }],
    });
    assert.equal((await kms(EU).send(new GetKeyPolicyCommand({ KeyId: md.KeyId }))).Policy, replicaPolicy);
    assert.deepEqual((await kms(EU).send(new ListResourceTagsCommand({ KeyId: md.KeyId }))).Tags, [{ TagKey: 'Team', TagValue: 'eu' }]);
    assert.deepEqual((await kms().send(new ListResourceTagsCommand({ KeyId: md.KeyId }))).Tags, [{ TagKey: 'Env', TagValue: 'prod' }]);

    // Without Policy and Tags: the default key policy, and no ReplicaTags (as AWS answers).
    const plain = await replicate(md.Arn!, AP);
    assert.deepEqual(JSON.parse(plain.ReplicaPolicy!).Statement[0].Principal, { AWS: ROOT });
    assert.equal(plain.ReplicaTags, undefined);
    assert.equal(plain.ReplicaKeyMetadata!.Description, '');
    assert.deepEqual((await describe_(REGION, md.KeyId!)).MultiRegionConfiguration!.ReplicaKeys!.map((k) => k.Region), [EU, AP]);
  });

  it('ciphertext of one region decrypts in another that has a copy, and nowhere else', async () => {
    const md = await createMrk();
    await replicate(md.KeyId!, EU);
    const context = { purpose: 'cross-region' };
    const { CiphertextBlob } = await kms().send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('hello'), EncryptionContext: context }));
    const dec = await kms(EU).send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
    assert.equal(Buffer.from(dec.Plaintext!).toString(), 'hello');
    assert.equal(dec.KeyId, arnIn(EU, md.KeyId!));
    await kms(EU).send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context, KeyId: arnIn(EU, md.KeyId!) }));
    const back = await kms(EU).send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('back') }));
    assert.equal(Buffer.from((await kms().send(new DecryptCommand({ CiphertextBlob: back.CiphertextBlob }))).Plaintext!).toString(), 'back');
    // A key with no copy in the region: KMS's "…does not exist in this region, or you are not allowed to access."
    const none = await awsError(() => kms(AP).send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context })));
    assert.deepEqual([none.name, none.message], ['AccessDeniedException', CIPHERTEXT_KEY_UNAVAILABLE]);
    const wrongArn = await awsError(() => kms(EU).send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context, KeyId: md.Arn })));
    assert.deepEqual([wrongArn.name, wrongArn.message], ['NotFoundException', `Invalid arn ${REGION}`]);
  });

  it("a single-Region key's ciphertext and ARN do not work in another region", async () => {
    const md = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
    const { CiphertextBlob } = await kms().send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('local') }));
    const dec = await awsError(() => kms(EU).send(new DecryptCommand({ CiphertextBlob })));
    assert.deepEqual([dec.name, dec.message], ['AccessDeniedException', CIPHERTEXT_KEY_UNAVAILABLE]);
    const byArn = await awsError(() => kms(EU).send(new EncryptCommand({ KeyId: md.Arn, Plaintext: Buffer.from('x') })));
    assert.deepEqual([byArn.name, byArn.message], ['NotFoundException', `Invalid arn ${REGION}`]);
  });

  it('asymmetric and HMAC replicas hold the same key material', async () => {
    const rsa = await createMrk({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    await replicate(rsa.KeyId!, EU);
    const pub = async (region: string) => Buffer.from((await kms(region).send(new GetPublicKeyCommand({ KeyId: rsa.KeyId }))).PublicKey!);
    assert.deepEqual(await pub(EU), await pub(REGION));
    const sig = await kms().send(new SignCommand({ KeyId: rsa.KeyId, Message: Buffer.from('m'), SigningAlgorithm: 'RSASSA_PSS_SHA_256' }));
    const ok = await kms(EU).send(new VerifyCommand({ KeyId: rsa.KeyId, Message: Buffer.from('m'), Signature: sig.Signature, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }));
    assert.equal(ok.SignatureValid, true);
    const hmac = await createMrk({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await replicate(hmac.KeyId!, EU);
    const mac = await kms(EU).send(new GenerateMacCommand({ KeyId: hmac.KeyId, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' }));
    const v = await kms().send(new VerifyMacCommand({ KeyId: hmac.KeyId, Message: Buffer.from('m'), Mac: mac.Mac, MacAlgorithm: 'HMAC_SHA_256' }));
    assert.equal(v.MacValid, true);
  });

  it("the replica's own key policy is enforced on its own", async () => {
    const md = await createMrk();
    const deny = { Sid: 'No decrypt here', Effect: 'Deny', Principal: { AWS: ROOT }, Action: 'kms:Decrypt', Resource: '*' };
    await replicate(md.KeyId!, EU, { Policy: policy(deny) });
    const { CiphertextBlob } = await kms().send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('p') }));
    const denied = await awsError(() => kms(EU).send(new DecryptCommand({ CiphertextBlob })));
    assert.equal(denied.name, 'AccessDeniedException');
    assert.equal(denied.message, `User: ${ROOT} is not authorized to perform: kms:Decrypt on resource: ${arnIn(EU, md.KeyId!)} with an explicit deny in a resource-based policy`);
    assert.equal(Buffer.from((await kms().send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString(), 'p');
    // The lockout safety check applies to the replica's policy, as to CreateKey's.
    const other = await createMrk();
    const lockout = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:Decrypt', Resource: '*' }] });
    const refused = await awsError(() => replicate(other.KeyId!, EU, { Policy: lockout }));
    assert.deepEqual([refused.name, refused.message], ['MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.']);
    await replicate(other.KeyId!, EU, { Policy: lockout, BypassPolicyLockoutSafetyCheck: true });
  });

  it('ReplicateKey needs kms:ReplicateKey on the primary and kms:CreateKey in the replica region', async () => {
    const iam = iamClient(h);
    await iam.send(new CreateUserCommand({ UserName: 'replicator' }));
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Action: 'kms:CreateKey', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': AP } } },
      { Effect: 'Deny', Action: 'kms:ReplicateKey', Resource: '*', Condition: { StringEquals: { 'kms:ReplicaRegion': 'ca-central-1' } } },
    ] });
    await iam.send(new PutUserPolicyCommand({ UserName: 'replicator', PolicyName: 'p', PolicyDocument: doc }));
    const ak = (await iam.send(new CreateAccessKeyCommand({ UserName: 'replicator' }))).AccessKey!;
    iam.destroy();
    const me = kms(REGION, { accessKeyId: ak.AccessKeyId!, secretAccessKey: ak.SecretAccessKey! });
    const user = `arn:aws:iam::${ACCOUNT}:user/replicator`;
    const md = (await me.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
    await me.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: EU }));
    const noCreate = await awsError(() => me.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: AP })));
    assert.deepEqual([noCreate.name, noCreate.message],
      ['AccessDeniedException', `User: ${user} is not authorized to perform: kms:CreateKey on resource: * with an explicit deny in an identity-based policy`]);
    const noReplicate = await awsError(() => me.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: 'ca-central-1' })));
    assert.deepEqual([noReplicate.name, noReplicate.message],
      ['AccessDeniedException', `User: ${user} is not authorized to perform: kms:ReplicateKey on resource: ${md.Arn} with an explicit deny in an identity-based policy`]);
  });

  it('ReplicateKey refuses single-Region keys, replicas, its own region, an existing replica and a disabled primary', async () => {
    const single = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
    const e1 = await awsError(() => replicate(single.KeyId!, EU));
    assert.deepEqual([e1.name, e1.message], ['UnsupportedOperationException', `${single.Arn} is not a multi-Region key.`]);
    const md = await createMrk();
    await replicate(md.KeyId!, EU);
    const e2 = await awsError(() => kms(EU).send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: AP })));
    assert.deepEqual([e2.name, e2.message], ['UnsupportedOperationException', `${arnIn(EU, md.KeyId!)} is not a multi-region primary key.`]);
    const e3 = await awsError(() => replicate(md.KeyId!, REGION));
    assert.deepEqual([e3.name, e3.message], ['UnsupportedOperationException', `${REGION} cannot have a replica because it contains the primary.`]);
    const e4 = await awsError(() => replicate(md.KeyId!, EU));
    assert.deepEqual([e4.name, e4.message], ['AlreadyExistsException', `${arnIn(EU, md.KeyId!)} already exists.`]);
    const e5 = await awsError(() => replicate(md.KeyId!, 'nowhere'));
    assert.deepEqual([e5.name, e5.message], ['ValidationException',
      "1 validation error detected: Value 'nowhere' at 'replicaRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$"]);
    await kms().send(new DisableKeyCommand({ KeyId: md.KeyId }));
    const e6 = await awsError(() => replicate(md.KeyId!, AP));
    assert.deepEqual([e6.name, e6.message], ['DisabledException', `${md.Arn} is disabled.`]);
  });

  it('UpdatePrimaryRegion swaps primary and replica in every region', async () => {
    const md = await createMrk();
    await replicate(md.KeyId!, EU);
    await replicate(md.KeyId!, AP);
    const { CiphertextBlob } = await kms().send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('x') }));
    await kms().send(new UpdatePrimaryRegionCommand({ KeyId: md.Arn, PrimaryRegion: EU }));
    h.advance(PRIMARY_REGION_UPDATING_MS);
    const types = async () => Promise.all([REGION, EU, AP].map(async (r) => (await describe_(r, md.KeyId!)).MultiRegionConfiguration!));
    const [us, eu, ap] = await types();
    assert.deepEqual([us.MultiRegionKeyType, eu.MultiRegionKeyType, ap.MultiRegionKeyType], ['REPLICA', 'PRIMARY', 'REPLICA']);
    for (const c of [us, eu, ap]) assert.deepEqual(c.PrimaryKey, { Arn: arnIn(EU, md.KeyId!), Region: EU });
    assert.deepEqual(eu.ReplicaKeys!.map((k) => k.Region), [REGION, AP]);
    assert.equal(Buffer.from((await kms(EU).send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString(), 'x');
    // Only the (new) primary replicates or moves the primary.
    const old = await awsError(() => replicate(md.KeyId!, 'ca-central-1'));
    assert.deepEqual([old.name, old.message], ['UnsupportedOperationException', `${md.Arn} is not a multi-region primary key.`]);
    await kms(EU).send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: 'ca-central-1' }));
    const noReplica = await awsError(() => kms(EU).send(new UpdatePrimaryRegionCommand({ KeyId: md.KeyId, PrimaryRegion: 'sa-east-1' })));
    assert.deepEqual([noReplica.name, noReplica.message], ['NotFoundException', `Key '${arnIn('sa-east-1', md.KeyId!)}' does not exist`]);
    const single = (await kms().send(new CreateKeyCommand({}))).KeyMetadata!;
    const e = await awsError(() => kms().send(new UpdatePrimaryRegionCommand({ KeyId: single.KeyId, PrimaryRegion: EU })));
    assert.deepEqual([e.name, e.message], ['UnsupportedOperationException', `${single.Arn} is not a multi-Region key.`]);
  });

  it('a primary with replicas waits in PendingReplicaDeletion; its waiting period starts when the last replica is deleted', async () => {
    const md = await createMrk();
    await replicate(md.KeyId!, EU);
    await replicate(md.KeyId!, AP);
    const scheduled = await kms().send(new ScheduleKeyDeletionCommand({ KeyId: md.KeyId, PendingWindowInDays: 7 }));
    assert.deepEqual([scheduled.KeyId, scheduled.KeyState, scheduled.PendingWindowInDays, scheduled.DeletionDate], [md.Arn, 'PendingReplicaDeletion', 7, undefined]);
    const waiting = await describe_(REGION, md.KeyId!);
    assert.deepEqual([waiting.KeyState, waiting.Enabled, waiting.PendingDeletionWindowInDays, waiting.DeletionDate], ['PendingReplicaDeletion', false, 7, undefined]);
    const use = await awsError(() => kms().send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('x') })));
    assert.deepEqual([use.name, use.message], ['KMSInvalidStateException', `${md.Arn} is pending replica deletion.`]);
    // Replicas are scheduled on their own; the primary's state does not hold them.
    assert.equal((await describe_(EU, md.KeyId!)).KeyState, 'Enabled');
    const euDate = (await kms(EU).send(new ScheduleKeyDeletionCommand({ KeyId: md.KeyId, PendingWindowInDays: 7 }))).DeletionDate!;
    const apDate = (await kms(AP).send(new ScheduleKeyDeletionCommand({ KeyId: md.KeyId, PendingWindowInDays: 10 }))).DeletionDate!;
    h.advance(7 * DAY_MS);
    assert.equal((await h.server.runKeySchedule()).multiRegionDeletion, 1);
    assert.equal((await awsError(() => describe_(EU, md.KeyId!))).name, 'NotFoundException');
    const still = await describe_(REGION, md.KeyId!);
    assert.equal(still.KeyState, 'PendingReplicaDeletion');
    assert.deepEqual(still.MultiRegionConfiguration!.ReplicaKeys!.map((k) => k.Region), [AP]);
    assert.ok(euDate < apDate);
    h.advance(3 * DAY_MS);
    assert.equal((await h.server.runKeySchedule()).multiRegionDeletion, 1);
    const pending = await describe_(REGION, md.KeyId!);
    assert.equal(pending.KeyState, 'PendingDeletion');
    assert.equal(pending.DeletionDate!.getTime(), apDate.getTime() + 7 * DAY_MS);
    assert.equal(pending.PendingDeletionWindowInDays, undefined, 'DeletionDate appears instead');
    assert.deepEqual(pending.MultiRegionConfiguration!.ReplicaKeys, []);
    h.advance(7 * DAY_MS);
    assert.equal((await h.server.runKeySchedule()).multiRegionDeletion, 1);
    assert.equal((await awsError(() => describe_(REGION, md.KeyId!))).name, 'NotFoundException');
  });

  it('deletion also settles lazily, and CancelKeyDeletion brings the primary back Disabled', async () => {
    const md = await createMrk();
    await replicate(md.KeyId!, EU);
    await kms().send(new ScheduleKeyDeletionCommand({ KeyId: md.KeyId, PendingWindowInDays: 7 }));
    const cancelled = await kms().send(new CancelKeyDeletionCommand({ KeyId: md.KeyId }));
    assert.equal(cancelled.KeyId, md.Arn);
    const back = await describe_(REGION, md.KeyId!);
    assert.deepEqual([back.KeyState, back.PendingDeletionWindowInDays], ['Disabled', undefined]);
    await kms().send(new ScheduleKeyDeletionCommand({ KeyId: md.KeyId, PendingWindowInDays: 7 }));
    await kms(EU).send(new ScheduleKeyDeletionCommand({ KeyId: md.KeyId, PendingWindowInDays: 7 }));
    h.advance(14 * DAY_MS - 1);
    // Nobody ran the schedule: reading the primary settles the replica and starts its waiting period.
    const primary = await describe_(REGION, md.KeyId!);
    assert.equal(primary.KeyState, 'PendingDeletion');
    h.advance(1);
    assert.equal((await awsError(() => describe_(REGION, md.KeyId!))).name, 'NotFoundException');
  });

  it('ListKeys in each region lists that region\'s copy', async () => {
    const md = await createMrk();
    await replicate(md.KeyId!, EU);
    const listed = async (region: string) => (await kms(region).send(new ListKeysCommand({ Limit: 1000 }))).Keys!.filter((k) => k.KeyId === md.KeyId);
    assert.deepEqual(await listed(REGION), [{ KeyId: md.KeyId, KeyArn: md.Arn }]);
    assert.deepEqual(await listed(EU), [{ KeyId: md.KeyId, KeyArn: arnIn(EU, md.KeyId!) }]);
    assert.deepEqual(await listed('us-west-2'), []);
  });
});
