import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  ListKeysCommand,
  ScheduleKeyDeletionCommand,
  UpdateKeyDescriptionCommand,
  DecryptCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS } from '../../src/util/clock.js';
import { ACCOUNT, awsError, Harness, REGION } from './harness.js';

describe('KMS key lifecycle', () => {
  let h: Harness;
  before(async () => (h = await Harness.start()));
  after(() => h.stop());

  const create = async (Description?: string) => (await h.kms.send(new CreateKeyCommand({ Description }))).KeyMetadata!;

  it('CreateKey returns complete KeyMetadata and DescribeKey agrees', async () => {
    const md = await create('first key');
    assert.match(md.KeyId!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(md.Arn, `arn:aws:kms:${REGION}:${ACCOUNT}:key/${md.KeyId}`);
    assert.equal(md.AWSAccountId, ACCOUNT);
    assert.equal(md.Enabled, true);
    assert.equal(md.KeyState, 'Enabled');
    assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.CustomerMasterKeySpec, 'SYMMETRIC_DEFAULT');
    assert.deepEqual(md.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    assert.equal(md.Origin, 'AWS_KMS');
    assert.equal(md.KeyManager, 'CUSTOMER');
    assert.equal(md.MultiRegion, false);
    assert.equal(md.Description, 'first key');
    assert.equal(md.DeletionDate, undefined);
    assert.ok(md.CreationDate instanceof Date);
    assert.ok(Math.abs(md.CreationDate!.getTime() - h.clock.now().getTime()) < 1000);
    const described = (await h.kms.send(new DescribeKeyCommand({ KeyId: md.Arn }))).KeyMetadata!;
    assert.deepEqual(described, md);
  });

  it('ListKeys pages with Limit, Marker and Truncated', async () => {
    const created = [await create(), await create(), await create()];
    const seen: string[] = [];
    let Marker: string | undefined;
    let pages = 0;
    do {
      const page = await h.kms.send(new ListKeysCommand({ Limit: 2, Marker }));
      assert.ok(page.Keys!.length <= 2);
      for (const k of page.Keys!) {
        assert.equal(k.KeyArn, `arn:aws:kms:${REGION}:${ACCOUNT}:key/${k.KeyId}`);
        seen.push(k.KeyId!);
      }
      assert.equal(page.Truncated, page.NextMarker !== undefined);
      Marker = page.NextMarker;
      pages++;
    } while (Marker);
    assert.ok(pages >= 2);
    for (const k of created) assert.ok(seen.includes(k.KeyId!));
    assert.equal(new Set(seen).size, seen.length, 'no key listed twice');
    const bad = await awsError(() => h.kms.send(new ListKeysCommand({ Marker: 'not-a-marker' })));
    assert.equal(bad.name, 'InvalidMarkerException');
  });

  it('DisableKey and EnableKey switch the state; a disabled key refuses use', async () => {
    const { KeyId } = await create();
    await h.kms.send(new DisableKeyCommand({ KeyId }));
    let md = (await h.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
    assert.equal(md.KeyState, 'Disabled');
    assert.equal(md.Enabled, false);
    const e = await awsError(() => h.kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') })));
    assert.equal(e.name, 'DisabledException');
    assert.equal(e.message, `${md.Arn} is disabled.`);
    await h.kms.send(new EnableKeyCommand({ KeyId }));
    md = (await h.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
    assert.equal(md.KeyState, 'Enabled');
    await h.kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }));
  });

  it('UpdateKeyDescription changes the description', async () => {
    const { KeyId } = await create('before');
    await h.kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: 'after' }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.Description, 'after');
  });

  it('ScheduleKeyDeletion: default 30 days, 7–30 enforced, CancelKeyDeletion leaves it Disabled', async () => {
    const md = await create();
    const KeyId = md.KeyId!;
    for (const days of [6, 31]) {
      const e = await awsError(() => h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: days })));
      assert.equal(e.name, 'ValidationException');
    }
    const cancelEarly = await awsError(() => h.kms.send(new CancelKeyDeletionCommand({ KeyId })));
    assert.equal(cancelEarly.name, 'KMSInvalidStateException');
    assert.equal(cancelEarly.message, `${md.Arn} is not pending deletion (or pending replica deletion).`);
    const scheduled = await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId }));
    assert.equal(scheduled.KeyId, md.Arn);
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    assert.equal(scheduled.PendingWindowInDays, 30);
    assert.ok(Math.abs(scheduled.DeletionDate!.getTime() - (h.clock.now().getTime() + 30 * DAY_MS)) < 1000);
    const pending = (await h.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
    assert.equal(pending.KeyState, 'PendingDeletion');
    assert.equal(pending.Enabled, false);
    // DeletionDate, not PendingDeletionWindowInDays (that one is for PendingReplicaDeletion only).
    assert.equal(pending.PendingDeletionWindowInDays, undefined);
    assert.ok(pending.DeletionDate instanceof Date);
    const use = await awsError(() => h.kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') })));
    assert.equal(use.name, 'KMSInvalidStateException');
    assert.equal(use.message, `${md.Arn} is pending deletion.`);
    const again = await awsError(() => h.kms.send(new ScheduleKeyDeletionCommand({ KeyId })));
    assert.equal(again.name, 'KMSInvalidStateException');
    const cancelled = await h.kms.send(new CancelKeyDeletionCommand({ KeyId }));
    assert.equal(cancelled.KeyId, md.Arn);
    const after = (await h.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
    assert.equal(after.KeyState, 'Disabled');
    assert.equal(after.DeletionDate, undefined);
  });

  it('a key is destroyed when its deletion date passes (clock moved, not slept)', async () => {
    const md = await create();
    const KeyId = md.KeyId!;
    const { CiphertextBlob } = await h.kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('secret') }));
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    h.advance(7 * DAY_MS - 60_000);
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.KeyState, 'PendingDeletion');
    h.advance(60_000);
    const gone = await awsError(() => h.kms.send(new DescribeKeyCommand({ KeyId })));
    assert.equal(gone.name, 'NotFoundException');
    assert.equal(gone.message, `Key '${md.Arn}' does not exist`);
    const listed = await h.kms.send(new ListKeysCommand({ Limit: 1000 }));
    assert.ok(!listed.Keys!.some((k) => k.KeyId === KeyId));
    // A deleted key's ciphertext: the one answer for a key that does not exist (no existence oracle).
    const dec = await awsError(() => h.kms.send(new DecryptCommand({ CiphertextBlob })));
    assert.deepEqual([dec.name, dec.message], ['AccessDeniedException', 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.']);
  });

  it('the sweeper destroys due keys without anyone touching them', async () => {
    const { KeyId } = await create();
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    assert.equal(await h.server.sweepDeletions(), 0);
    h.advance(7 * DAY_MS);
    assert.equal(await h.server.sweepDeletions(), 1);
    assert.equal((await awsError(() => h.kms.send(new DescribeKeyCommand({ KeyId })))).name, 'NotFoundException');
  });

  it('unknown and malformed key ids answer NotFoundException in AWS words', async () => {
    const fake = await awsError(() => h.kms.send(new DescribeKeyCommand({ KeyId: 'fake-key-id' })));
    assert.equal(fake.name, 'NotFoundException');
    assert.equal(fake.message, "Invalid keyId 'fake-key-id'");
    const id = '11111111-2222-4333-8444-555555555555';
    const missing = await awsError(() => h.kms.send(new DescribeKeyCommand({ KeyId: id })));
    assert.equal(missing.message, `Key 'arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}' does not exist`);
    const otherRegion = await awsError(() => h.kms.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${id}` })));
    assert.equal(otherRegion.message, 'Invalid arn eu-west-1');
  });

  it('a key is visible only in its own region', async () => {
    const { KeyId } = await create();
    const west = h.client(h.credentials, 'us-west-2');
    const e = await awsError(() => west.send(new DescribeKeyCommand({ KeyId })));
    assert.equal(e.name, 'NotFoundException');
    west.destroy();
  });
});
