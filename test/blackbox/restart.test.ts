import { CreateAliasCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

/** Starts `locksmith serve` as its own process and waits for its listening line. */
function serve(dataDir: string): Promise<{ proc: ChildProcess; endpoint: string; output: () => string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, LOCKSMITH_ROOT_KEY_FILE: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ proc, endpoint: m[1], output: () => out });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

function stop(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    proc.removeAllListeners('exit');
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

function credentialsFrom(dataDir: string) {
  const text = readFileSync(join(dataDir, 'aws-credentials'), 'utf8');
  return {
    accessKeyId: /aws_access_key_id = (\S+)/.exec(text)![1],
    secretAccessKey: /aws_secret_access_key = (\S+)/.exec(text)![1],
  };
}

describe('restart and crash durability (real `locksmith serve` processes)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-restart-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keys, aliases and ciphertexts survive a clean restart and a SIGKILL', async () => {
    const first = await serve(dataDir);
    assert.match(first.output(), /export AWS_ACCESS_KEY_ID=AKIA[A-Z2-7]{16}/);
    assert.equal(statSync(join(dataDir, 'root-key')).mode & 0o777, 0o600);
    const creds = credentialsFrom(dataDir);
    let kms = new KMSClient({ endpoint: first.endpoint, region: 'us-east-1', credentials: { ...creds }, maxAttempts: 1 });
    const key = (await kms.send(new CreateKeyCommand({ Description: 'durable' }))).KeyMetadata!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/durable', TargetKeyId: key.KeyId }));
    const ct1 = (await kms.send(new EncryptCommand({ KeyId: 'alias/durable', Plaintext: Buffer.from('before restart'), EncryptionContext: { a: 'b' } }))).CiphertextBlob!;
    kms.destroy();
    await stop(first.proc, 'SIGTERM');

    const second = await serve(dataDir);
    assert.doesNotMatch(second.output(), /export AWS_SECRET_ACCESS_KEY/, 'the secret is printed only on first start');
    assert.deepEqual(credentialsFrom(dataDir), creds, 'credentials are reused');
    kms = new KMSClient({ endpoint: second.endpoint, region: 'us-east-1', credentials: { ...creds }, maxAttempts: 1 });
    const dec1 = await kms.send(new DecryptCommand({ CiphertextBlob: ct1, EncryptionContext: { a: 'b' } }));
    assert.equal(Buffer.from(dec1.Plaintext!).toString(), 'before restart');
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/durable' }))).KeyMetadata!.Description, 'durable');
    // Acknowledged writes survive a crash: SIGKILL right after the responses arrive.
    const key2 = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const ct2 = (await kms.send(new EncryptCommand({ KeyId: key2.KeyId, Plaintext: Buffer.from('before crash') }))).CiphertextBlob!;
    kms.destroy();
    await stop(second.proc, 'SIGKILL');

    const third = await serve(dataDir);
    kms = new KMSClient({ endpoint: third.endpoint, region: 'us-east-1', credentials: { ...creds }, maxAttempts: 1 });
    const dec2 = await kms.send(new DecryptCommand({ CiphertextBlob: ct2 }));
    assert.equal(Buffer.from(dec2.Plaintext!).toString(), 'before crash');
    assert.equal(dec2.KeyId, key2.Arn);
    kms.destroy();
    await stop(third.proc, 'SIGTERM');
  });

  it('key material is stored only wrapped: the database never holds a data key in the clear', async () => {
    const db = readFileSync(join(dataDir, 'locksmith.db'));
    const rootKey = Buffer.from(readFileSync(join(dataDir, 'root-key'), 'utf8').trim(), 'base64');
    assert.equal(rootKey.length, 32);
    assert.equal(db.indexOf(rootKey), -1, 'the root key is not in the database');
  });
});
