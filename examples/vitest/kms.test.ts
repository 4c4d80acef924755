/**
 * Locksmith in a Vitest suite: one real KMS per file, driven by the AWS SDK v3.
 * Run: npm run build && npx vitest run --root examples/vitest
 */
import { CreateKeyCommand, DecryptCommand, DisableKeyCommand, EnableKeyRotationCommand, EncryptCommand, GetKeyRotationStatusCommand, KMSClient, ListKeyRotationsCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startLocksmith, type Locksmith } from 'locksmith';

const DAY = 24 * 60 * 60 * 1000;
let locksmith: Locksmith;
let kms: KMSClient;

beforeAll(async () => {
  locksmith = await startLocksmith();
  kms = new KMSClient({ endpoint: locksmith.endpoint, region: locksmith.region, credentials: locksmith.credentials });
});

afterAll(async () => {
  kms.destroy();
  await locksmith.close();
});

test('a disabled key refuses to encrypt, as AWS KMS does', async () => {
  const key = (await kms.send(new CreateKeyCommand({ Description: 'vitest' }))).KeyMetadata!;
  await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
  await expect(kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({
    name: 'DisabledException',
    message: `${key.Arn} is disabled.`,
  });
});

test('automatic rotation happens when the lifecycle clock reaches it; old ciphertexts still decrypt', async () => {
  const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('before rotation') }));
  await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 90 }));
  const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }));
  await locksmith.clock.set(status.NextRotationDate!.getTime() + 1000);
  const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId: key.KeyId }));
  expect(rotations.Rotations).toHaveLength(1);
  expect(rotations.Rotations![0]!.RotationType).toBe('AUTOMATIC');
  const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob }));
  expect(Buffer.from(Plaintext!).toString()).toBe('before rotation');
  expect(locksmith.clock.now().getTime()).toBeGreaterThan(Date.now() + 80 * DAY);
});
