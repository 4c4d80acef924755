/**
 * Regression tests for issue 11's consistency findings, against a real server:
 * - finding 2: a rotation (on demand or automatic) concurrent with PutKeyPolicy or DisableKey
 *   wrote the whole key row back from its stale copy and silently undid them;
 * - the quota of 25 on-demand rotations per key did not hold for concurrent calls;
 * - finding 12: an EXTERNAL key without material could be enabled through
 *   ScheduleKeyDeletion → CancelKeyDeletion → EnableKey, and Encrypt then answered 500.
 */
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  ListKeyRotationsCommand,
  PutKeyPolicyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { failure, storedRows } from './audit-helpers.js';
import { ACCOUNT, Harness } from './harness.js';

const DAY = 24 * 60 * 60 * 1000;
const ROUNDS = 20;

/** A key policy that differs per round (so a reverted policy is visible) and keeps root's access. */
const policyFor = (round: number) =>
  JSON.stringify({
    Version: '2012-10-17',
    Id: `round-${round}`,
    Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
  });

describe('security: consistency of concurrent key writes (issue 11)', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  const newKey = async () => (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  const policyOf = async (KeyId: string) => (await h.kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' }))).Policy!;
  const stateOf = async (KeyId: string) => (await h.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.KeyState;

  it('finding 2: PutKeyPolicy concurrent with RotateKeyOnDemand is never undone', async () => {
    const keys = await Promise.all(Array.from({ length: ROUNDS }, newKey));
    const outcomes = await Promise.all(
      keys.map((KeyId, i) =>
        Promise.all([h.kms.send(new RotateKeyOnDemandCommand({ KeyId })), h.kms.send(new PutKeyPolicyCommand({ KeyId, PolicyName: 'default', Policy: policyFor(i) }))]),
      ),
    );
    assert.equal(outcomes.length, ROUNDS, 'every rotation and policy change succeeded');
    const reverted = [];
    for (const [i, KeyId] of keys.entries()) if (JSON.parse(await policyOf(KeyId)).Id !== `round-${i}`) reverted.push(KeyId);
    assert.deepEqual(reverted, [], 'keys whose acknowledged policy was reverted');
  });

  it('finding 2: DisableKey concurrent with RotateKeyOnDemand is never undone', async () => {
    const keys = await Promise.all(Array.from({ length: ROUNDS }, newKey));
    await Promise.all(
      keys.map((KeyId) =>
        // The rotation may come second and find the key disabled (DisabledException); the disable always succeeds.
        Promise.all([h.kms.send(new RotateKeyOnDemandCommand({ KeyId })).catch((e: Error) => assert.equal(e.name, 'DisabledException')), h.kms.send(new DisableKeyCommand({ KeyId }))]),
      ),
    );
    const states = await Promise.all(keys.map(stateOf));
    assert.deepEqual(
      states.filter((s) => s !== 'Disabled'),
      [],
      'keys re-enabled by a rotation after an acknowledged DisableKey',
    );
  });

  it('finding 2: automatic rotation does not undo a PutKeyPolicy or DisableKey that commits while it runs', async () => {
    const keys = await Promise.all(Array.from({ length: ROUNDS }, newKey));
    await Promise.all(keys.map((KeyId) => h.kms.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays: 90 }))));
    h.advance(91 * DAY);
    const [done] = await Promise.all([
      h.server.runKeySchedule(),
      ...keys.map((KeyId, i) =>
        i % 2 === 0 ? h.kms.send(new PutKeyPolicyCommand({ KeyId, PolicyName: 'default', Policy: policyFor(i) })) : h.kms.send(new DisableKeyCommand({ KeyId })),
      ),
    ]);
    // The keys that stay Enabled rotate for sure; the others only if the schedule reached them before DisableKey.
    assert.ok((done as Record<string, number>).rotation >= ROUNDS / 2, `rotated ${(done as Record<string, number>).rotation}`);
    for (const [i, KeyId] of keys.entries()) {
      if (i % 2 === 0) {
        assert.equal(JSON.parse(await policyOf(KeyId)).Id, `round-${i}`, `policy of ${KeyId}`);
        const rotations = (await h.kms.send(new ListKeyRotationsCommand({ KeyId }))).Rotations ?? [];
        assert.deepEqual(rotations.map((r) => r.RotationType), ['AUTOMATIC'], `rotations of ${KeyId}`);
      } else {
        assert.equal(await stateOf(KeyId), 'Disabled', `state of ${KeyId}`);
      }
    }
  });

  it('quota: of 40 concurrent RotateKeyOnDemand calls exactly 25 succeed; the rest get LimitExceededException', async () => {
    const KeyId = await newKey();
    const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KeyId}`;
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => h.kms.send(new RotateKeyOnDemandCommand({ KeyId }))));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    assert.equal(ok, 25);
    assert.equal(refused.length, 15);
    for (const e of refused) {
      assert.equal(e.name, 'LimitExceededException');
      assert.equal(e.message, `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${arn}`);
    }
    const rotations = (await h.kms.send(new ListKeyRotationsCommand({ KeyId, Limit: 1000 }))).Rotations ?? [];
    assert.equal(rotations.filter((r) => r.RotationType === 'ON_DEMAND').length, 25);
    // One RotateKey service event per rotation that happened, none for the refused ones.
    const events = storedRows(h.dataDir).filter(
      (r) => r.record.eventName === 'RotateKey' && r.record.eventType === 'AwsServiceEvent' && JSON.stringify(r.record.resources).includes(KeyId),
    );
    assert.equal(events.length, 25);
  });
});

describe('security: an EXTERNAL key without key material is PendingImport (issue 11, finding 12)', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  const stateOf = async (KeyId: string) => (await h.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.KeyState;

  async function importMaterial(KeyId: string): Promise<void> {
    const p = await h.kms.send(new GetParametersForImportCommand({ KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    const publicKey = createPublicKey({ key: Buffer.from(p.PublicKey!), format: 'der', type: 'spki' });
    const EncryptedKeyMaterial = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, randomBytes(32));
    await h.kms.send(new ImportKeyMaterialCommand({ KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }));
  }

  async function assertNotUsable(KeyId: string): Promise<void> {
    const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KeyId}`;
    const enable = await failure(() => h.kms.send(new EnableKeyCommand({ KeyId })));
    assert.deepEqual([enable.name, enable.message], ['KMSInvalidStateException', `${arn} is pending import.`]);
    const encrypt = await failure(() => h.kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') })));
    assert.deepEqual([encrypt.name, encrypt.message, encrypt.$metadata.httpStatusCode], ['KMSInvalidStateException', `${arn} is pending import.`, 400]);
    assert.equal(await stateOf(KeyId), 'PendingImport');
  }

  it('ScheduleKeyDeletion → CancelKeyDeletion of a key that never had material returns it to PendingImport; EnableKey and Encrypt are refused', async () => {
    const KeyId = (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!.KeyId!;
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    const cancelled = await h.kms.send(new CancelKeyDeletionCommand({ KeyId }));
    assert.match(cancelled.KeyId!, new RegExp(`${KeyId}$`));
    await assertNotUsable(KeyId);
  });

  it('the same for a key whose material was deleted before the deletion was scheduled and cancelled', async () => {
    const KeyId = (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!.KeyId!;
    await importMaterial(KeyId);
    await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId }));
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    await h.kms.send(new CancelKeyDeletionCommand({ KeyId }));
    await assertNotUsable(KeyId);
  });

  it('a key with its material is Disabled after CancelKeyDeletion, as AWS documents, and can be enabled', async () => {
    const KeyId = (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!.KeyId!;
    await importMaterial(KeyId);
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    await h.kms.send(new CancelKeyDeletionCommand({ KeyId }));
    assert.equal(await stateOf(KeyId), 'Disabled');
    await h.kms.send(new EnableKeyCommand({ KeyId }));
    assert.ok((await h.kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }))).CiphertextBlob);
  });
});
