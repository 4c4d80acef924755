import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateGrantCommand, CreateKeyCommand, DecryptCommand, EncryptCommand, GenerateDataKeyCommand, GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand, ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetFederationTokenCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { exportAuditTrail } from '../../src/audit/export.js';
import { openPostgresStore } from '../../src/store/postgres/pg-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dumpTestDatabase, knownTestDatabaseUrl } from '../lib/test-store.js';
import { ACCOUNT, Harness, iamClient, signRequest, send, stsClient, type Credentials } from './harness.js';
import { failure, storedRows } from './audit-helpers.js';

/** Every secret the run sees, as bytes; searched for raw, base64 and hex in the database (files or dump) and the export. */
class Secrets {
  readonly all: { what: string; bytes: Buffer }[] = [];
  add(what: string, v: string | Uint8Array | undefined): void {
    if (v === undefined) throw new Error(`${what}: no value`);
    this.all.push({ what, bytes: typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v) });
  }
  find(haystack: Buffer, where: string): string[] {
    const found: string[] = [];
    for (const { what, bytes } of this.all) {
      for (const form of [bytes, Buffer.from(bytes.toString('base64')), Buffer.from(bytes.toString('hex'))]) {
        if (haystack.includes(form)) found.push(`${what} in ${where}`);
      }
    }
    return found;
  }
}

describe('audit trail: no secret ever reaches it', () => {
  const root = mkdtempSync(join(tmpdir(), 'locksmith-audit-scan-'));
  const outDir = join(root, 'export');
  let running: Harness | undefined;
  // A failed assertion must not leave the server running (the run would hang instead of failing).
  after(async () => {
    await running?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('plaintexts, data keys, random bytes, ciphertexts, grant tokens, secret access keys and session tokens appear nowhere', async () => {
    const h = (running = await Harness.start({ dataDir: join(root, 'data') }));
    const s = new Secrets();
    s.add('root secret access key', h.credentials.secretAccessKey);
    const plain = () => {
      const p = `plaintext-${randomBytes(12).toString('hex')}`;
      s.add('plaintext', p);
      return Buffer.from(p);
    };
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const other = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const enc = await h.kms.send(new EncryptCommand({ KeyId: key, Plaintext: plain(), EncryptionContext: { purpose: 'scan' } }));
    s.add('ciphertext', enc.CiphertextBlob);
    s.add('decrypted plaintext', (await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: 'scan' } }))).Plaintext);
    const re = await h.kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: { purpose: 'scan' }, DestinationKeyId: other }));
    s.add('re-encrypted ciphertext', re.CiphertextBlob);
    const dk = await h.kms.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256' }));
    s.add('data key', dk.Plaintext);
    s.add('encrypted data key', dk.CiphertextBlob);
    s.add('data key (no plaintext)', (await h.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key, NumberOfBytes: 48 }))).CiphertextBlob);
    s.add('random bytes', (await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }))).Plaintext);
    const grant = await h.kms.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Operations: ['Decrypt'] }));
    s.add('grant token', grant.GrantToken);
    await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: 'scan' }, GrantTokens: [grant.GrantToken!] }));
    // Failures at every stage still carry the plaintext in the request: not found, validation, a bad signature.
    await failure(() => h.kms.send(new EncryptCommand({ KeyId: 'alias/missing', Plaintext: plain() })));
    await failure(() => h.kms.send(new EncryptCommand({ KeyId: key, Plaintext: plain(), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' })));
    const raw = plain().toString('base64');
    assert.equal((await h.kmsRaw('Encrypt', { KeyId: key, Plaintext: raw, EncryptionContext: 'not-a-map' })).json.__type, 'SerializationException');
    assert.equal((await h.kmsRaw('Encrypt', { KeyId: '', Plaintext: plain().toString('base64') })).json.__type, 'ValidationException');
    const badSig = await signRequest(h.endpoint, {
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' },
      body: JSON.stringify({ KeyId: key, Plaintext: plain().toString('base64') }),
      credentials: { accessKeyId: h.credentials.accessKeyId, secretAccessKey: 'wrong' }, region: 'us-east-1', service: 'kms', signingDate: h.clock.now(),
    });
    assert.equal((await send(h.endpoint, badSig)).status, 400);

    // IAM and STS secrets.
    const iam = iamClient(h);
    await iam.send(new CreateUserCommand({ UserName: 'scan' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'scan', PolicyName: 'all', PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' }));
    const ak = (await iam.send(new CreateAccessKeyCommand({ UserName: 'scan' }))).AccessKey!;
    s.add('user secret access key', ak.SecretAccessKey);
    const user: Credentials = { accessKeyId: ak.AccessKeyId!, secretAccessKey: ak.SecretAccessKey! };
    await iam.send(new CreateRoleCommand({ RoleName: 'scan', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/scan` }, Action: 'sts:AssumeRole' }] }) }));
    iam.destroy();
    const sessions = [
      (await stsClient(h, user).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/scan`, RoleSessionName: 'scan' }))).Credentials!,
      (await stsClient(h, user).send(new GetSessionTokenCommand({}))).Credentials!,
      (await stsClient(h, user).send(new GetFederationTokenCommand({ Name: 'scan', Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}' }))).Credentials!,
    ];
    for (const c of sessions) {
      s.add('session secret access key', c.SecretAccessKey);
      s.add('session token', c.SessionToken);
      const kms = h.client({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
      await kms.send(new EncryptCommand({ KeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${key}`, Plaintext: plain() })).catch(() => undefined);
      kms.destroy();
    }

    const records = storedRows(h.dataDir);
    assert.ok(records.length === 25, `every call was recorded (${records.length} records)`);
    assert.ok(records.some((r) => r.record.errorCode === 'ValidationException' && r.record.eventName === 'Encrypt'));
    assert.ok(records.some((r) => r.record.errorCode === 'InvalidSignatureException'));

    // The store's files (SQLite, WAL included), or on PostgreSQL a plain dump of the server's database (bytea as hex).
    const databaseUrl = knownTestDatabaseUrl(h.dataDir);
    const scanDataDir = (when: string) => {
      if (!databaseUrl) {
        return readdirSync(h.dataDir).filter((f) => f.startsWith('locksmith.db') && statSync(join(h.dataDir, f)).size > 0)
          .flatMap((f) => s.find(readFileSync(join(h.dataDir, f)), `${f} (${when})`));
      }
      const dump = dumpTestDatabase(databaseUrl);
      assert.ok(dump.includes(key), `the dump holds the store's rows (the key's id, ${when})`);
      return s.find(dump, `PostgreSQL dump (${when})`);
    };
    assert.equal(s.find(Buffer.from(`{"x":"${dk.Plaintext ? Buffer.from(dk.Plaintext).toString('base64') : ''}"}`), 'control').length, 1, 'the scan finds what is there');
    const found = scanDataDir('running');
    const store = databaseUrl ? await openPostgresStore(databaseUrl) : openSqliteStore(join(h.dataDir, 'locksmith.db'));
    const exported = await exportAuditTrail(store.audit, outDir);
    await store.close();
    assert.ok(exported.records >= records.length);
    for (const f of exported.files) found.push(...s.find(gunzipSync(readFileSync(join(outDir, f))), f));
    await h.stop();
    running = undefined;
    found.push(...scanDataDir('stopped'));
    assert.deepEqual(found, []);
  });
});
