/**
 * Key rotation: EnableKeyRotation / DisableKeyRotation / GetKeyRotationStatus, automatic rotation
 * when the clock passes NextRotationDate (a RotateKey service event first), RotateKeyOnDemand up to
 * its limit, ListKeyRotations and its paging, the keys and states that refuse rotation, and
 * Multi-Region keys rotating from the primary. Earlier key material always keeps decrypting.
 */
import {
  CancelKeyDeletionCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, DisableKeyRotationCommand,
  EnableKeyCommand, EnableKeyRotationCommand, EncryptCommand, GenerateDataKeyCommand, GetKeyRotationStatusCommand, GetParametersForImportCommand,
  ImportKeyMaterialCommand, ListKeyRotationsCommand, ReplicateKeyCommand, RotateKeyOnDemandCommand, ScheduleKeyDeletionCommand, type KeyMetadata, type KeySpec, type KeyUsageType,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ON_DEMAND_ROTATION_LIMIT } from '../../src/services/kms/key-rotation.js';
import { storedRows } from './audit-helpers.js';
import { REPLICA_CREATING_MS } from '../../src/services/kms/transient-key-states.js';
import { ACCOUNT, awsError, Harness, REGION } from './harness.js';

const DAY = 86_400_000;

describe('key rotation', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  const createKey = async (KeySpec?: KeySpec, KeyUsage?: KeyUsageType): Promise<KeyMetadata> =>
    (await h.kms.send(new CreateKeyCommand({ KeySpec, KeyUsage }))).KeyMetadata!;
  const status = (KeyId: string) => h.kms.send(new GetKeyRotationStatusCommand({ KeyId }));
  const encrypt = (KeyId: string, text: string, kms = h.kms) => kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from(text) }));
  const decrypt = async (blob: Uint8Array, kms = h.kms) => Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString();
  /** The key material a ciphertext was sealed with, as Decrypt reports it (Encrypt's response has no KeyMaterialId). */
  const sealedWith = async (blob: Uint8Array, kms = h.kms) => (await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).KeyMaterialId!;
  const rotations = (KeyId: string, extra: { IncludeKeyMaterial?: 'ALL_KEY_MATERIAL' | 'ROTATIONS_ONLY'; Limit?: number; Marker?: string } = {}) =>
    h.kms.send(new ListKeyRotationsCommand({ KeyId, ...extra }));
  const currentMaterial = async (KeyId: string, kms = h.kms) => (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.CurrentKeyMaterialId!;

  it('EnableKeyRotation: 365 days by default, a chosen period 90–2560, GetKeyRotationStatus shows it; DisableKeyRotation turns it off', async () => {
    const key = await createKey();
    const off = await status(key.KeyId!);
    assert.deepEqual([off.KeyRotationEnabled, off.KeyId, off.RotationPeriodInDays, off.NextRotationDate], [false, key.Arn, undefined, undefined]);

    await h.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId }));
    let s = await status(key.Arn!);
    assert.deepEqual([s.KeyRotationEnabled, s.KeyId, s.RotationPeriodInDays], [true, key.Arn, 365]);
    assert.equal(s.NextRotationDate!.getTime(), h.clock.now().getTime() + 365 * DAY);

    for (const days of [90, 2560]) {
      await h.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: days }));
      s = await status(key.KeyId!);
      assert.deepEqual([s.RotationPeriodInDays, s.NextRotationDate!.getTime()], [days, h.clock.now().getTime() + days * DAY]);
    }
    assert.deepEqual(await awsError(() => h.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 89 }))), {
      name: 'ValidationException', status: 400,
      message: "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90",
    });
    assert.deepEqual(await awsError(() => h.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 2561 }))), {
      name: 'ValidationException', status: 400,
      message: "1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 2560",
    });

    await h.kms.send(new DisableKeyRotationCommand({ KeyId: key.KeyId }));
    s = await status(key.KeyId!);
    assert.deepEqual([s.KeyRotationEnabled, s.KeyId, s.RotationPeriodInDays, s.NextRotationDate], [false, key.Arn, undefined, undefined]);
  });

  it('automatic rotation at NextRotationDate: new material for new ciphertexts, old ones still decrypt, RotateKey event first', async () => {
    const key = await createKey();
    const before0 = await encrypt(key.KeyId!, 'sealed with the first material');
    const m0 = await sealedWith(before0.CiphertextBlob!);
    assert.equal(m0, await currentMaterial(key.KeyId!));
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 90 }));

    h.advance(90 * DAY - 1000);
    await h.server.runKeySchedule();
    assert.equal(await currentMaterial(key.KeyId!), m0, 'not yet due');

    h.advance(2000);
    const done = await h.server.runKeySchedule();
    assert.ok((done.rotation ?? 0) >= 1);
    const rotatedAt = h.clock.now();
    const m1 = await currentMaterial(key.KeyId!);
    assert.notEqual(m1, m0);
    assert.match(m1, /^[0-9a-f]{64}$/);
    assert.equal(await sealedWith((await encrypt(key.KeyId!, 'new')).CiphertextBlob!), m1);
    assert.equal((await h.kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' }))).KeyMaterialId, m1);
    assert.equal(await decrypt(before0.CiphertextBlob!), 'sealed with the first material');

    const s = await status(key.KeyId!);
    assert.deepEqual([s.KeyRotationEnabled, s.RotationPeriodInDays, s.NextRotationDate!.getTime()], [true, 90, rotatedAt.getTime() + 90 * DAY]);

    const rotationsOnly = await rotations(key.KeyId!);
    assert.deepEqual(rotationsOnly.Rotations, [
      { KeyId: key.Arn, KeyMaterialId: m1, KeyMaterialState: 'CURRENT', RotationDate: rotatedAt, RotationType: 'AUTOMATIC' },
    ]);
    assert.equal(rotationsOnly.Truncated, false);
    assert.equal(rotationsOnly.NextMarker, undefined);
    assert.deepEqual((await rotations(key.KeyId!, { IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations, [
      { KeyId: key.Arn, KeyMaterialId: m0, KeyMaterialState: 'NON_CURRENT' },
      { KeyId: key.Arn, KeyMaterialId: m1, KeyMaterialState: 'CURRENT', RotationDate: rotatedAt, RotationType: 'AUTOMATIC' },
    ]);

    const events = storedRows(h.dataDir).map((r) => r.record).filter((r) => r.eventName === 'RotateKey' && r.resources[0].ARN === key.Arn);
    assert.deepEqual(events, [{
      eventVersion: '1.09', userIdentity: { accountId: ACCOUNT, invokedBy: 'AWS Internal' }, eventTime: rotatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventSource: 'kms.amazonaws.com', eventName: 'RotateKey', awsRegion: REGION, sourceIPAddress: 'AWS Internal', userAgent: 'AWS Internal',
      requestParameters: null, responseElements: null, eventID: events[0].eventID, readOnly: false,
      resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: key.Arn }], eventType: 'AwsServiceEvent', managementEvent: true,
      recipientAccountId: ACCOUNT, eventCategory: 'Management',
      serviceEventDetails: { rotationType: 'AUTOMATIC', keyOrigin: 'AWS_KMS', previousKeyMaterialId: m0, currentKeyMaterialId: m1 },
    }]);

    await h.server.runKeySchedule();
    assert.equal(await currentMaterial(key.KeyId!), m1, 'one rotation per period');
  });

  it('a disabled key is not rotated while disabled; enabled again past its date, it rotates at the next run', async () => {
    const key = await createKey();
    const m0 = await currentMaterial(key.KeyId!);
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 90 }));
    await h.kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    h.advance(100 * DAY);
    await h.server.runKeySchedule();
    assert.equal(await currentMaterial(key.KeyId!), m0);
    assert.equal((await status(key.KeyId!)).KeyRotationEnabled, true, 'disabling the key keeps its rotation status');

    await h.kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
    await h.server.runKeySchedule();
    assert.notEqual(await currentMaterial(key.KeyId!), m0);
    assert.equal((await status(key.KeyId!)).NextRotationDate!.getTime(), h.clock.now().getTime() + 90 * DAY);
  });

  it(`RotateKeyOnDemand: ${ON_DEMAND_ROTATION_LIMIT} rotations, then LimitExceededException; schedule unchanged; every material still decrypts`, async () => {
    const key = await createKey();
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId }));
    const scheduled = (await status(key.KeyId!)).NextRotationDate!.getTime();
    const sealed: { blob: Uint8Array; text: string; material: string }[] = [];
    for (let i = 0; i < ON_DEMAND_ROTATION_LIMIT; i++) {
      const enc = await encrypt(key.KeyId!, `message ${i}`);
      sealed.push({ blob: enc.CiphertextBlob!, text: `message ${i}`, material: await sealedWith(enc.CiphertextBlob!) });
      const out = await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
      assert.equal(out.KeyId, key.Arn);
      h.advance(1000);
    }
    assert.equal(new Set(sealed.map((s) => s.material)).size, ON_DEMAND_ROTATION_LIMIT);
    assert.deepEqual(await awsError(() => h.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }))), {
      name: 'LimitExceededException', status: 400,
      message: `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.Arn}`,
    });
    for (const s of sealed) assert.equal(await decrypt(s.blob), s.text);
    const serviceEvents = storedRows(h.dataDir).map((r) => r.record).filter((r) => r.eventName === 'RotateKey' && r.resources[0].ARN === key.Arn);
    assert.deepEqual(
      serviceEvents.map((e) => [e.eventType, e.serviceEventDetails.rotationType, e.serviceEventDetails.previousKeyMaterialId]),
      sealed.map((s) => ['AwsServiceEvent', 'ON_DEMAND', s.material]),
      'one RotateKey service event per on-demand rotation, naming the material it replaced',
    );
    assert.equal((await status(key.KeyId!)).NextRotationDate!.getTime(), scheduled, 'on-demand rotation leaves the schedule alone');
    const listed = (await rotations(key.KeyId!, { Limit: 1000 })).Rotations!;
    assert.equal(listed.length, ON_DEMAND_ROTATION_LIMIT);
    assert.ok(listed.every((r) => r.RotationType === 'ON_DEMAND' && r.RotationDate instanceof Date));
    assert.deepEqual(listed.map((r) => r.KeyMaterialState), [...Array(ON_DEMAND_ROTATION_LIMIT - 1).fill('NON_CURRENT'), 'CURRENT']);
    // Automatic rotation does not count against the on-demand limit.
    h.advance(366 * DAY);
    await h.server.runKeySchedule();
    assert.equal((await rotations(key.KeyId!, { Limit: 1000 })).Rotations!.at(-1)!.RotationType, 'AUTOMATIC');
  });

  it('ListKeyRotations pages with Limit and Marker; a foreign marker is InvalidMarkerException', async () => {
    const key = await createKey();
    for (let i = 0; i < 3; i++) await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
    const all = (await rotations(key.KeyId!, { IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations!;
    assert.equal(all.length, 4);
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await rotations(key.KeyId!, { IncludeKeyMaterial: 'ALL_KEY_MATERIAL', Limit: 3, Marker: marker });
      seen.push(...page.Rotations!.map((r) => r.KeyMaterialId!));
      assert.equal(page.Truncated, page.NextMarker !== undefined);
      marker = page.NextMarker;
      pages++;
    } while (marker);
    assert.deepEqual([pages, seen], [2, all.map((r) => r.KeyMaterialId)]);
    const first = await rotations(key.KeyId!, { Limit: 1 });
    assert.deepEqual([first.Rotations!.length, first.Truncated], [1, true]);
    assert.deepEqual(await awsError(() => rotations(key.KeyId!, { Marker: 'bm90LWEtbWFya2Vy' })), {
      name: 'InvalidMarkerException', status: 400,
      message: 'The request was rejected because the marker that specifies where pagination should next begin is not valid.',
    });
  });

  it('asymmetric and HMAC keys cannot rotate: UnsupportedOperationException; their rotation status is false', async () => {
    const keys = [await createKey('RSA_2048', 'ENCRYPT_DECRYPT'), await createKey('ECC_NIST_P256', 'SIGN_VERIFY'), await createKey('HMAC_256', 'GENERATE_VERIFY_MAC')];
    for (const key of keys) {
      for (const cmd of [new EnableKeyRotationCommand({ KeyId: key.KeyId }), new DisableKeyRotationCommand({ KeyId: key.KeyId }), new RotateKeyOnDemandCommand({ KeyId: key.KeyId })]) {
        const err = await awsError(() => h.kms.send(cmd as never));
        assert.deepEqual([err.name, err.status], ['UnsupportedOperationException', 400], `${key.KeySpec} ${cmd.constructor.name}`);
      }
      const err = await awsError(() => rotations(key.KeyId!));
      assert.deepEqual([err.name, err.status], ['UnsupportedOperationException', 400]);
      const s = await status(key.KeyId!);
      assert.deepEqual([s.KeyRotationEnabled, s.KeyId], [false, key.Arn]);
      // AWS sends no message for these (terraform-aws-modules/terraform-aws-kms#20: "UnsupportedOperationException:").
      const raw = await h.kmsRaw('EnableKeyRotation', { KeyId: key.KeyId });
      assert.deepEqual([raw.status, raw.json], [400, { __type: 'UnsupportedOperationException' }]);
    }
  });

  it('disabled and pending-deletion keys: the key-state errors; a deleting key reports false until cancelled', async () => {
    const disabled = await createKey();
    await h.kms.send(new DisableKeyCommand({ KeyId: disabled.KeyId }));
    const deleting = await createKey();
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: deleting.KeyId }));
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: deleting.KeyId, PendingWindowInDays: 7 }));
    const expectations: [KeyMetadata, string, string][] = [
      [disabled, 'DisabledException', `${disabled.Arn} is disabled.`],
      [deleting, 'KMSInvalidStateException', `${deleting.Arn} is pending deletion.`],
    ];
    for (const [key, name, message] of expectations) {
      for (const cmd of [new EnableKeyRotationCommand({ KeyId: key.KeyId }), new DisableKeyRotationCommand({ KeyId: key.KeyId }), new RotateKeyOnDemandCommand({ KeyId: key.KeyId })]) {
        assert.deepEqual(await awsError(() => h.kms.send(cmd as never)), { name, message, status: 400 });
      }
    }
    assert.equal((await status(deleting.KeyId!)).KeyRotationEnabled, false);
    await h.kms.send(new CancelKeyDeletionCommand({ KeyId: deleting.KeyId }));
    assert.equal((await status(deleting.KeyId!)).KeyRotationEnabled, true);
  });

  it('a key waiting for imported material: KMSInvalidStateException "is pending import."', async () => {
    const external = (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!;
    const message = `${external.Arn} is pending import.`;
    for (const cmd of [
      new EnableKeyRotationCommand({ KeyId: external.KeyId }), new DisableKeyRotationCommand({ KeyId: external.KeyId }),
      new RotateKeyOnDemandCommand({ KeyId: external.KeyId }), new GetKeyRotationStatusCommand({ KeyId: external.KeyId }),
    ]) {
      assert.deepEqual(await awsError(() => h.kms.send(cmd as never)), { name: 'KMSInvalidStateException', message, status: 400 });
    }
  });

  it('imported material: no automatic rotation; RotateKeyOnDemand makes the NEW_KEY_MATERIAL import current', async () => {
    const key = (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!;
    const importMaterial = async (material: Buffer, extra: { ImportType?: 'NEW_KEY_MATERIAL'; KeyMaterialDescription?: string } = {}) => {
      const p = await h.kms.send(new GetParametersForImportCommand({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
      const wrappingKey = createPublicKey({ key: Buffer.from(p.PublicKey!), format: 'der', type: 'spki' });
      const EncryptedKeyMaterial = publicEncrypt({ key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
      return h.kms.send(new ImportKeyMaterialCommand({
        KeyId: key.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', ...extra,
      }));
    };
    const first = (await importMaterial(randomBytes(32), { KeyMaterialDescription: 'first' })).KeyMaterialId!;
    const external = { name: 'UnsupportedOperationException', message: `${key.Arn} origin is EXTERNAL which is not valid for this operation.`, status: 400 };
    assert.deepEqual(await awsError(() => h.kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId }))), external);
    assert.deepEqual(await awsError(() => h.kms.send(new DisableKeyRotationCommand({ KeyId: key.KeyId }))), external);
    assert.equal((await status(key.KeyId!)).KeyRotationEnabled, false);
    // AWS's answer when no new material is pending rotation (issue #15).
    assert.deepEqual(await awsError(() => h.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }))),
      { name: 'KMSInvalidStateException', message: `No available key material pending rotation for the key: ${key.Arn}.`, status: 400 });

    const early = await encrypt(key.KeyId!, 'first material');
    h.advance(1000);
    const second = (await importMaterial(randomBytes(32), { ImportType: 'NEW_KEY_MATERIAL' })).KeyMaterialId!;
    const imported = { KeyId: key.Arn, ImportState: 'IMPORTED', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' };
    assert.deepEqual((await rotations(key.KeyId!)).Rotations, []);
    assert.deepEqual((await rotations(key.KeyId!, { IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations, [
      { ...imported, KeyMaterialId: first, KeyMaterialDescription: 'first', KeyMaterialState: 'CURRENT' },
      { ...imported, KeyMaterialId: second, KeyMaterialState: 'PENDING_ROTATION' },
    ]);

    h.advance(1000);
    await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
    assert.equal(await currentMaterial(key.KeyId!), second);
    assert.equal(await sealedWith((await encrypt(key.KeyId!, 'second material')).CiphertextBlob!), second);
    assert.equal(await decrypt(early.CiphertextBlob!), 'first material');
    assert.deepEqual((await rotations(key.KeyId!)).Rotations, [
      { ...imported, KeyMaterialId: second, KeyMaterialState: 'CURRENT', RotationDate: h.clock.now(), RotationType: 'ON_DEMAND' },
    ]);
    assert.deepEqual(await awsError(() => h.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }))),
      { name: 'KMSInvalidStateException', message: `No available key material pending rotation for the key: ${key.Arn}.`, status: 400 });
  });

  it('Multi-Region: rotation is set and run on the primary; the replica gets the same material and schedule', async () => {
    const west = 'us-west-2';
    let westKms = h.client(h.credentials, west);
    const primary = (await h.kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
    const early = await encrypt(primary.KeyId!, 'before replication');
    const replica = (await h.kms.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: west }))).ReplicaKeyMetadata!;
    h.advance(REPLICA_CREATING_MS); // the replica's few seconds in Creating

    for (const cmd of [new EnableKeyRotationCommand({ KeyId: primary.KeyId }), new DisableKeyRotationCommand({ KeyId: primary.KeyId }), new RotateKeyOnDemandCommand({ KeyId: primary.KeyId })]) {
      assert.deepEqual(await awsError(() => westKms.send(cmd as never)), {
        name: 'UnsupportedOperationException', status: 400, message: `${replica.Arn} is not a multi-Region primary key.`,
      });
    }
    await h.kms.send(new EnableKeyRotationCommand({ KeyId: primary.KeyId, RotationPeriodInDays: 180 }));
    const ps = await status(primary.KeyId!);
    const rs = await westKms.send(new GetKeyRotationStatusCommand({ KeyId: primary.KeyId }));
    assert.deepEqual([rs.KeyRotationEnabled, rs.KeyId, rs.RotationPeriodInDays, rs.NextRotationDate], [true, replica.Arn, 180, ps.NextRotationDate]);

    await h.kms.send(new RotateKeyOnDemandCommand({ KeyId: primary.KeyId }));
    const m1 = await currentMaterial(primary.KeyId!);
    assert.equal(await currentMaterial(primary.KeyId!, westKms), m1);
    const fromWest = await encrypt(primary.KeyId!, 'sealed in the replica region', westKms);
    assert.equal(await sealedWith(fromWest.CiphertextBlob!), m1);
    assert.equal(await decrypt(fromWest.CiphertextBlob!), 'sealed in the replica region');
    assert.equal(await decrypt(early.CiphertextBlob!, westKms), 'before replication');

    h.advance(181 * DAY);
    westKms.destroy();
    westKms = h.client(h.credentials, west);
    await h.server.runKeySchedule();
    const m2 = await currentMaterial(primary.KeyId!);
    assert.notEqual(m2, m1);
    assert.equal(await currentMaterial(primary.KeyId!, westKms), m2);
    const westRotations = (await westKms.send(new ListKeyRotationsCommand({ KeyId: primary.KeyId }))).Rotations!;
    assert.deepEqual(westRotations.map((r) => [r.KeyId, r.KeyMaterialId, r.RotationType, r.KeyMaterialState]), [
      [replica.Arn, m1, 'ON_DEMAND', 'NON_CURRENT'],
      [replica.Arn, m2, 'AUTOMATIC', 'CURRENT'],
    ]);
    const after = await westKms.send(new GetKeyRotationStatusCommand({ KeyId: primary.KeyId }));
    assert.equal(after.NextRotationDate!.getTime(), (await status(primary.KeyId!)).NextRotationDate!.getTime());
    assert.equal(await decrypt(fromWest.CiphertextBlob!, westKms), 'sealed in the replica region');
    westKms.destroy();
  });
});
