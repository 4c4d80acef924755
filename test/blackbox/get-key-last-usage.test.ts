import { CreateKeyCommand, DecryptCommand, EncryptCommand, GetKeyLastUsageCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

describe('GetKeyLastUsage', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  it('reports no usage before use, then the latest successful cryptographic call and its time', async () => {
    const meta = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const keyId = meta.KeyId!;

    const fresh = await h.kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    assert.equal(fresh.KeyId, meta.Arn);
    assert.equal(fresh.KeyLastUsage?.Operation, undefined);
    assert.equal(fresh.KeyCreationDate?.getTime(), meta.CreationDate!.getTime());
    assert.ok(fresh.TrackingStartDate!.getTime() >= meta.CreationDate!.getTime() - 1000);

    h.advance(60_000);
    const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('hello') }));
    const afterEncrypt = await h.kms.send(new GetKeyLastUsageCommand({ KeyId: meta.Arn }));
    assert.equal(afterEncrypt.KeyLastUsage?.Operation, 'Encrypt');
    assert.ok(afterEncrypt.KeyLastUsage?.CloudTrailEventId);
    assert.ok(afterEncrypt.KeyLastUsage?.KmsRequestId);
    const encryptedAt = afterEncrypt.KeyLastUsage!.Timestamp!.getTime();
    assert.ok(Math.abs(encryptedAt - h.clock.now().getTime()) < 2000);

    // A failed call does not count as usage.
    await awsError(() => h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' })));
    assert.equal((await h.kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }))).KeyLastUsage?.Operation, 'Encrypt');

    h.advance(3_600_000);
    await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    const afterDecrypt = await h.kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    assert.equal(afterDecrypt.KeyLastUsage?.Operation, 'Decrypt');
    assert.notEqual(afterDecrypt.KeyLastUsage?.CloudTrailEventId, afterEncrypt.KeyLastUsage?.CloudTrailEventId);
    const decryptedAt = afterDecrypt.KeyLastUsage!.Timestamp!.getTime();
    assert.ok(decryptedAt - encryptedAt >= 3_600_000 - 2000, `expected the date to move by an hour: ${encryptedAt} -> ${decryptedAt}`);
  });

  it('answers NotFoundException for an unknown key and refuses aliases', async () => {
    const missing = await awsError(() => h.kms.send(new GetKeyLastUsageCommand({ KeyId: '11111111-2222-3333-4444-555555555555' })));
    assert.equal(missing.name, 'NotFoundException');
    const alias = await awsError(() => h.kms.send(new GetKeyLastUsageCommand({ KeyId: 'alias/aws/whatever' })));
    assert.equal(alias.name, 'NotFoundException');
  });
});
