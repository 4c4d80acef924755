import {
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  ReEncryptCommand,
  CreateAliasCommand,
  DisableKeyCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

describe('KMS cryptographic operations (symmetric)', () => {
  let h: Harness;
  let keyId: string;
  let keyArn: string;
  before(async () => {
    h = await Harness.start();
    const md = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    keyId = md.KeyId!;
    keyArn = md.Arn!;
  });
  after(() => h.stop());

  const enc = (Plaintext: Uint8Array, EncryptionContext?: Record<string, string>, KeyId = keyId) =>
    h.kms.send(new EncryptCommand({ KeyId, Plaintext, EncryptionContext }));

  it('Encrypt → Decrypt round trip, with and without KeyId; DryRun refuses politely', async () => {
    const plaintext = Buffer.from('attack at dawn');
    const out = await enc(plaintext, { purpose: 'test' });
    assert.equal(out.KeyId, keyArn);
    assert.equal(out.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.ok(out.CiphertextBlob!.length <= 6144);
    assert.ok(!Buffer.from(out.CiphertextBlob!).includes(plaintext), 'ciphertext does not contain the plaintext');
    for (const KeyId of [undefined, keyId, keyArn]) {
      const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { purpose: 'test' }, KeyId }));
      assert.deepEqual(Buffer.from(dec.Plaintext!), plaintext);
      assert.equal(dec.KeyId, keyArn);
      assert.equal(dec.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    }
    const again = await enc(plaintext, { purpose: 'test' });
    assert.notDeepEqual(Buffer.from(again.CiphertextBlob!), Buffer.from(out.CiphertextBlob!), 'fresh IV per encryption');
    const dry = await awsError(() => h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, DryRun: true })));
    assert.equal(dry.name, 'DryRunOperationException');
    assert.equal(dry.message, 'The request would have succeeded, but the DryRun option is set.');
  });

  it('DryRun on Decrypt, ReEncrypt and the data-key operations: checks pass, nothing is returned', async () => {
    const { CiphertextBlob } = await enc(Buffer.from('dry'));
    const calls = [
      () => h.kms.send(new DecryptCommand({ CiphertextBlob, DryRun: true })),
      () => h.kms.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: keyId, DryRun: true })),
      () => h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', DryRun: true })),
      () => h.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256', DryRun: true })),
    ];
    for (const call of calls) {
      const e = await awsError(call);
      assert.deepEqual([e.name, e.message], ['DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.']);
    }
    // A DryRun that would fail reports the real failure, not DryRunOperationException.
    const bad = await awsError(() => h.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('junk'), DryRun: true })));
    assert.equal(bad.name, 'InvalidCiphertextException');
  });

  it('aliases and alias ARNs identify the key for cryptographic operations', async () => {
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/crypto-test', TargetKeyId: keyId }));
    const viaName = await enc(Buffer.from('a'), undefined, 'alias/crypto-test');
    assert.equal(viaName.KeyId, keyArn);
    const aliasArn = keyArn.replace(/key\/.*/, 'alias/crypto-test');
    const viaArn = await enc(Buffer.from('a'), undefined, aliasArn);
    assert.equal(viaArn.KeyId, keyArn);
    const missing = await awsError(() => enc(Buffer.from('a'), undefined, 'alias/nope'));
    assert.equal(missing.name, 'NotFoundException');
    assert.equal(missing.message, `Alias ${keyArn.replace(/key\/.*/, 'alias/nope')} is not found.`);
  });

  it('plaintext bounds: 4096 bytes accepted, 4097 refused in AWS words', async () => {
    await enc(Buffer.alloc(4096, 1));
    const e = await awsError(() => enc(Buffer.alloc(4097, 1)));
    assert.equal(e.name, 'ValidationException');
    assert.equal(e.message, "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096");
  });

  it('wrong or missing encryption context fails with the one fixed InvalidCiphertextException', async () => {
    const { CiphertextBlob } = await enc(Buffer.from('x'), { tenant: 'a' });
    for (const EncryptionContext of [undefined, {}, { tenant: 'b' }, { tenant: 'a', extra: '1' }, { Tenant: 'a' }] as (Record<string, string> | undefined)[]) {
      const e = await awsError(() => h.kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext })));
      assert.equal(e.name, 'InvalidCiphertextException');
      assert.equal(e.message, 'UnknownError');
    }
  });

  it('{"ab":"c"} can never decrypt what {"a":"bc"} sealed, and vice versa', async () => {
    const one = await enc(Buffer.from('x'), { a: 'bc' });
    const two = await enc(Buffer.from('x'), { ab: 'c' });
    assert.equal((await awsError(() => h.kms.send(new DecryptCommand({ CiphertextBlob: one.CiphertextBlob, EncryptionContext: { ab: 'c' } })))).name, 'InvalidCiphertextException');
    assert.equal((await awsError(() => h.kms.send(new DecryptCommand({ CiphertextBlob: two.CiphertextBlob, EncryptionContext: { a: 'bc' } })))).name, 'InvalidCiphertextException');
  });

  it('every bit flip of a ciphertext blob is InvalidCiphertextException (or the one AccessDeniedException for the key id bytes)', async () => {
    const { CiphertextBlob } = await enc(Buffer.from('bits'));
    const blob = Buffer.from(CiphertextBlob!);
    const names = new Set<string>();
    for (let i = 0; i < blob.length; i++) {
      const flipped = Buffer.from(blob);
      flipped[i] ^= 1 << (i % 8);
      const e = await awsError(() => h.kms.send(new DecryptCommand({ CiphertextBlob: flipped })));
      names.add(e.name);
      // A key that does not exist is AccessDeniedException with one text naming no key (no existence oracle).
      assert.ok(['InvalidCiphertextException', 'AccessDeniedException'].includes(e.name), `byte ${i}: ${e.name}`);
      if (e.name === 'AccessDeniedException') assert.match(e.message, /^The ciphertext refers to a customer master key that does not exist/);
      if (e.name === 'InvalidCiphertextException') assert.equal(e.message, 'UnknownError');
    }
    assert.ok(names.has('InvalidCiphertextException'));
    for (const junk of [Buffer.from([1]), Buffer.from('not a ciphertext at all'), blob.subarray(0, blob.length - 1)]) {
      assert.equal((await awsError(() => h.kms.send(new DecryptCommand({ CiphertextBlob: junk })))).name, 'InvalidCiphertextException');
    }
  });

  it('Decrypt with a KeyId that is not the ciphertext key: IncorrectKeyException', async () => {
    const other = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const { CiphertextBlob } = await enc(Buffer.from('x'));
    const e = await awsError(() => h.kms.send(new DecryptCommand({ CiphertextBlob, KeyId: other.KeyId })));
    assert.equal(e.name, 'IncorrectKeyException');
    assert.equal(e.message, 'The key ID in the request does not identify a CMK that can perform this operation.');
  });

  it('ReEncrypt moves a ciphertext to another key and context without exposing plaintext', async () => {
    const dest = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const { CiphertextBlob } = await enc(Buffer.from('move me'), { v: '1' });
    const re = await h.kms.send(new ReEncryptCommand({ CiphertextBlob, SourceEncryptionContext: { v: '1' }, DestinationKeyId: dest.KeyId, DestinationEncryptionContext: { v: '2' } }));
    assert.equal(re.SourceKeyId, keyArn);
    assert.equal(re.KeyId, dest.Arn);
    assert.equal(re.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.equal(re.DestinationEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { v: '2' } }));
    assert.equal(Buffer.from(dec.Plaintext!).toString(), 'move me');
    assert.equal(dec.KeyId, dest.Arn);
    const wrongSource = await awsError(() => h.kms.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: dest.KeyId })));
    assert.equal(wrongSource.name, 'InvalidCiphertextException');
    const wrongKey = await awsError(() => h.kms.send(new ReEncryptCommand({ CiphertextBlob, SourceKeyId: dest.KeyId, SourceEncryptionContext: { v: '1' }, DestinationKeyId: dest.KeyId })));
    assert.equal(wrongKey.name, 'IncorrectKeyException');
  });

  it('GenerateDataKey: AES_256, AES_128, NumberOfBytes; the blob decrypts to the returned plaintext', async () => {
    for (const [params, size] of [[{ KeySpec: 'AES_256' as const }, 32], [{ KeySpec: 'AES_128' as const }, 16], [{ NumberOfBytes: 1 }, 1], [{ NumberOfBytes: 1024 }, 1024]] as const) {
      const out = await h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, EncryptionContext: { k: 'v' }, ...params }));
      assert.equal(out.Plaintext!.length, size);
      assert.equal(out.KeyId, keyArn);
      const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { k: 'v' } }));
      assert.deepEqual(Buffer.from(dec.Plaintext!), Buffer.from(out.Plaintext!));
    }
    const both = await awsError(() => h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', NumberOfBytes: 32 })));
    assert.equal(both.name, 'ValidationException');
    assert.equal(both.message, 'Please specify either number of bytes or key spec.');
    const neither = await awsError(() => h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId })));
    assert.equal(neither.name, 'ValidationException');
    const tooMany = await awsError(() => h.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 1025 })));
    assert.equal(tooMany.message, "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024");
  });

  it('GenerateDataKeyWithoutPlaintext returns only the encrypted data key', async () => {
    const out = await h.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    assert.equal((out as { Plaintext?: unknown }).Plaintext, undefined);
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob }));
    assert.equal(dec.Plaintext!.length, 32);
  });

  it('GenerateRandom: 1..1024 bytes, random, NumberOfBytes required', async () => {
    const a = await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    const b = await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    assert.equal(a.Plaintext!.length, 32);
    assert.notDeepEqual(Buffer.from(a.Plaintext!), Buffer.from(b.Plaintext!));
    assert.equal((await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 1024 }))).Plaintext!.length, 1024);
    const none = await awsError(() => h.kms.send(new GenerateRandomCommand({})));
    assert.equal(none.message, 'NumberOfBytes is required.');
    const zero = await awsError(() => h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })));
    assert.equal(zero.message, "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1");
  });

  it('disabled and pending-deletion keys refuse every cryptographic operation; old ciphertexts refuse to decrypt', async () => {
    for (const [act, name, words] of [
      [(KeyId: string) => h.kms.send(new DisableKeyCommand({ KeyId })), 'DisabledException', 'is disabled.'],
      [(KeyId: string) => h.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 })), 'KMSInvalidStateException', 'is pending deletion.'],
    ] as const) {
      const md = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      const KeyId = md.KeyId!;
      const { CiphertextBlob } = await enc(Buffer.from('x'), undefined, KeyId);
      await act(KeyId);
      const calls = [
        () => enc(Buffer.from('x'), undefined, KeyId),
        () => h.kms.send(new DecryptCommand({ CiphertextBlob })),
        () => h.kms.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' })),
        () => h.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId, KeySpec: 'AES_256' })),
        () => h.kms.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: keyId })),
        async () => h.kms.send(new ReEncryptCommand({ CiphertextBlob: (await enc(Buffer.from('y'))).CiphertextBlob, DestinationKeyId: KeyId })),
      ];
      for (const call of calls) {
        const e = await awsError(call);
        assert.equal(e.name, name);
        assert.equal(e.message, `${md.Arn} ${words}`);
      }
    }
  });
});
