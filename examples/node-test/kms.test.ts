/**
 * Locksmith in a node:test suite: one real KMS per suite, driven by the AWS SDK v3.
 * Run: npm run build && node --import tsx --test examples/node-test/kms.test.ts
 */
import { DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient, NotFoundException, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startLocksmith, type Locksmith } from 'locksmith';

const DAY = 24 * 60 * 60 * 1000;
let locksmith: Locksmith;
let kms: KMSClient;

before(async () => {
  locksmith = await startLocksmith({
    seed: { accounts: [{ id: '000000000000', keys: [{ id: '6d1f2c8e-0b7a-4f53-9e7c-2a4b8c1d3e5f', aliases: ['alias/app'] }] }] },
  });
  kms = new KMSClient({ endpoint: locksmith.endpoint, region: locksmith.region, credentials: locksmith.credentials });
});

after(async () => {
  kms.destroy();
  await locksmith.close();
});

test('encrypts and decrypts with the seeded alias, bound to its encryption context', async () => {
  const context = { tenant: 'acme' };
  const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: Buffer.from('hello'), EncryptionContext: context }));
  const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
  assert.equal(Buffer.from(Plaintext!).toString(), 'hello');
  await assert.rejects(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { tenant: 'other' } })), { name: 'InvalidCiphertextException' });
});

test('a key scheduled for deletion is deleted when the lifecycle clock passes its date', async () => {
  const KeyId = '0f9e8d7c-6b5a-4948-8372-615049382716';
  const seeded = await locksmith.seed({ accounts: [{ id: '000000000000', keys: [{ id: KeyId, description: 'seeded mid-suite' }] }] });
  assert.equal(seeded.changes, 1);
  const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
  assert.equal(scheduled.KeyState, 'PendingDeletion');
  await locksmith.clock.advance(7 * DAY - 60_000);
  assert.equal((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.KeyState, 'PendingDeletion');
  await locksmith.clock.advance(2 * 60_000);
  await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId })), (e) => e instanceof NotFoundException);
});
