/**
 * Issue #15: answers where Locksmith differed from recorded AWS answers, each pinned to AWS's
 * exact exception name and message.
 */
import {
  CreateKeyCommand,
  DeriveSharedSecretCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  ReEncryptCommand,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  UpdateKeyDescriptionCommand,
  UpdatePrimaryRegionCommand,
} from '@aws-sdk/client-kms';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PRIMARY_REGION_UPDATING_MS, REPLICA_CREATING_MS } from '../../src/services/kms/transient-key-states.js';
import { cloudTrailClient } from './audit-helpers.js';
import { awsError, Harness } from './harness.js';

describe('AWS differences (issue #15)', () => {
  let h: Harness;
  before(async () => (h = await Harness.start()));
  after(() => h.stop());

  it('ReEncrypt with an HMAC key as source: IncorrectKeyException about the ciphertext, before the destination is checked', async () => {
    const hmac = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
    const symmetric = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const blob = (await h.kms.send(new EncryptCommand({ KeyId: symmetric.KeyId, Plaintext: Buffer.from('x') }))).CiphertextBlob!;
    for (const DestinationKeyId of [hmac.KeyId!, symmetric.KeyId!]) {
      const e = await awsError(() => h.kms.send(new ReEncryptCommand({ CiphertextBlob: blob, SourceKeyId: hmac.KeyId, DestinationKeyId })));
      assert.deepEqual([e.name, e.message, e.status], ['IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.', 400]);
    }
    // A valid source with an HMAC destination is still the destination's key usage error.
    const e = await awsError(() => h.kms.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: hmac.KeyId })));
    assert.deepEqual([e.name, e.message], ['InvalidKeyUsageException', `${hmac.Arn} key usage is GENERATE_VERIFY_MAC which is not valid for ReEncrypt.`]);
  });

  it('RotateKeyOnDemand on an EXTERNAL key without material pending rotation: KMSInvalidStateException', async () => {
    const key = (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!;
    const p = await h.kms.send(new GetParametersForImportCommand({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    const wrappingKey = createPublicKey({ key: Buffer.from(p.PublicKey!), format: 'der', type: 'spki' });
    const EncryptedKeyMaterial = publicEncrypt({ key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, randomBytes(32));
    await h.kms.send(new ImportKeyMaterialCommand({ KeyId: key.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }));
    const e = await awsError(() => h.kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId })));
    assert.deepEqual([e.name, e.message, e.status], ['KMSInvalidStateException', `No available key material pending rotation for the key: ${key.Arn}.`, 400]);
  });

  it('DeriveSharedSecret with a public key that is not DER: ValidationException with an empty message', async () => {
    const key = (await h.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }))).KeyMetadata!;
    const r = await h.kmsRaw('DeriveSharedSecret', { KeyId: key.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: Buffer.from('not a DER public key').toString('base64') });
    // An empty message is left out of the body, as for Locksmith's other empty-message errors.
    assert.deepEqual([r.status, r.json], [400, { __type: 'ValidationException' }]);
    const e = await awsError(() => h.kms.send(new DeriveSharedSecretCommand({ KeyId: key.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]) })));
    assert.equal(e.name, 'ValidationException');
  });

  it('ReplicateKey of a replica: "is not a multi-region primary key."', async () => {
    const md = (await h.kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
    await h.kms.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: 'eu-west-1' }));
    h.advance(REPLICA_CREATING_MS);
    const eu = h.client(h.credentials, 'eu-west-1');
    try {
      const e = await awsError(() => eu.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: 'ap-southeast-2' })));
      assert.deepEqual([e.name, e.message], ['UnsupportedOperationException', `${md.Arn!.replace('us-east-1', 'eu-west-1')} is not a multi-region primary key.`]);
    } finally {
      eu.destroy();
    }
  });

  it('ReplicateKey returns the replica Creating (Enabled false); it refuses use until it becomes Enabled a few seconds later', async () => {
    const md = (await h.kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
    const out = await h.kms.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: 'eu-central-1' }));
    assert.deepEqual([out.ReplicaKeyMetadata!.KeyState, out.ReplicaKeyMetadata!.Enabled], ['Creating', false]);
    const eu = h.client(h.credentials, 'eu-central-1');
    try {
      const replicaArn = out.ReplicaKeyMetadata!.Arn!;
      assert.equal((await eu.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!.KeyState, 'Creating');
      const busy = await awsError(() => eu.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('x') })));
      assert.deepEqual([busy.name, busy.message], ['KMSInvalidStateException', `${replicaArn} is creating.`]);
      // Managing is allowed while Creating (key-state table): a description update goes through.
      await eu.send(new UpdateKeyDescriptionCommand({ KeyId: md.KeyId, Description: 'replica' }));
      h.advance(REPLICA_CREATING_MS - 1000);
      assert.equal((await eu.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!.KeyState, 'Creating');
      h.advance(1000);
      const ready = (await eu.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!;
      assert.deepEqual([ready.KeyState, ready.Enabled, ready.Description], ['Enabled', true, 'replica']);
      await eu.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('x') }));
      // The replica's Region records a CreateKey event for the new replica.
      const events = await cloudTrailClient(h, h.credentials, 'eu-central-1').send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateKey' }] }));
      const created = events.Events!.map((e) => JSON.parse(e.CloudTrailEvent!)).filter((r) => r.resources?.[0]?.ARN === replicaArn);
      assert.equal(created.length, 1);
      assert.deepEqual([created[0].awsRegion, created[0].eventName], ['eu-central-1', 'CreateKey']);
    } finally {
      eu.destroy();
    }
  });

  it('UpdatePrimaryRegion: old and new primary are Updating (usable, not manageable), then Enabled again', async () => {
    const md = (await h.kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
    await h.kms.send(new ReplicateKeyCommand({ KeyId: md.KeyId, ReplicaRegion: 'ca-central-1' }));
    h.advance(REPLICA_CREATING_MS);
    await h.kms.send(new UpdatePrimaryRegionCommand({ KeyId: md.KeyId, PrimaryRegion: 'ca-central-1' }));
    const ca = h.client(h.credentials, 'ca-central-1');
    try {
      for (const client of [h.kms, ca]) {
        assert.equal((await client.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!.KeyState, 'Updating');
        await client.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('x') }));
      }
      const e = await awsError(() => h.kms.send(new DisableKeyCommand({ KeyId: md.KeyId })));
      assert.deepEqual([e.name, e.message], ['KMSInvalidStateException', `${md.Arn} is updating.`]);
      h.advance(PRIMARY_REGION_UPDATING_MS);
      for (const client of [h.kms, ca]) {
        const now = (await client.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata!;
        assert.deepEqual([now.KeyState, now.Enabled, now.MultiRegionConfiguration!.PrimaryKey!.Region], ['Enabled', true, 'ca-central-1']);
      }
    } finally {
      ca.destroy();
    }
  });
});
