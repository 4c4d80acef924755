import { CreateAliasCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rootCredentials as credentialsFrom, spawnServer as serve } from '../reliability/lib/server-process.js';

describe('restart and crash durability (real `locksmith serve` processes)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-restart-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keys, aliases and ciphertexts survive a clean restart and a SIGKILL', async () => {
    const first = await serve(dataDir);
    // stdout is a pipe here, not a terminal: the key is in the credentials file, not in the output.
    assert.match(first.output(), /^Root access key of account \d{12} written to .*aws-credentials/m);
    assert.equal(statSync(join(dataDir, 'root-key')).mode & 0o777, 0o600);
    const creds = credentialsFrom(dataDir);
    let kms = new KMSClient({ endpoint: first.endpoint, region: 'us-east-1', credentials: { ...creds }, maxAttempts: 1 });
    const key = (await kms.send(new CreateKeyCommand({ Description: 'durable' }))).KeyMetadata!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/durable', TargetKeyId: key.KeyId }));
    const ct1 = (await kms.send(new EncryptCommand({ KeyId: 'alias/durable', Plaintext: Buffer.from('before restart'), EncryptionContext: { a: 'b' } }))).CiphertextBlob!;
    kms.destroy();
    await first.stop('SIGTERM');

    const second = await serve(dataDir);
    assert.doesNotMatch(second.output(), /Root access key/, 'the key is handed out only on first start');
    assert.deepEqual(credentialsFrom(dataDir), creds, 'credentials are reused');
    assert.match(creds.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    kms = new KMSClient({ endpoint: second.endpoint, region: 'us-east-1', credentials: { ...creds }, maxAttempts: 1 });
    const dec1 = await kms.send(new DecryptCommand({ CiphertextBlob: ct1, EncryptionContext: { a: 'b' } }));
    assert.equal(Buffer.from(dec1.Plaintext!).toString(), 'before restart');
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/durable' }))).KeyMetadata!.Description, 'durable');
    // Acknowledged writes survive a crash: SIGKILL right after the responses arrive.
    const key2 = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const ct2 = (await kms.send(new EncryptCommand({ KeyId: key2.KeyId, Plaintext: Buffer.from('before crash') }))).CiphertextBlob!;
    kms.destroy();
    await second.stop('SIGKILL');

    const third = await serve(dataDir);
    kms = new KMSClient({ endpoint: third.endpoint, region: 'us-east-1', credentials: { ...creds }, maxAttempts: 1 });
    const dec2 = await kms.send(new DecryptCommand({ CiphertextBlob: ct2 }));
    assert.equal(Buffer.from(dec2.Plaintext!).toString(), 'before crash');
    assert.equal(dec2.KeyId, key2.Arn);
    kms.destroy();
    await third.stop('SIGTERM');
  });

  it('key material is stored only wrapped: the database never holds a data key in the clear', async () => {
    const db = readFileSync(join(dataDir, 'locksmith.db'));
    const rootKey = Buffer.from(readFileSync(join(dataDir, 'root-key'), 'utf8').trim(), 'base64');
    assert.equal(rootKey.length, 32);
    assert.equal(db.indexOf(rootKey), -1, 'the root key is not in the database');
  });
});
