import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Harness } from './harness.js';

const run = promisify(execFile);

/** The real `aws` CLI, configured only by the profile files Locksmith wrote into its data dir. */
describe('aws CLI smoke test with the generated profile', () => {
  let h: Harness;
  before(async () => (h = await Harness.start()));
  after(() => h.stop());

  const aws = async (...args: string[]) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    if (process.env.PYENV_ROOT) env.PYENV_ROOT = process.env.PYENV_ROOT;
    env.AWS_CONFIG_FILE = join(h.dataDir, 'aws-config');
    env.AWS_SHARED_CREDENTIALS_FILE = join(h.dataDir, 'aws-credentials');
    env.AWS_PROFILE = 'locksmith';
    // CLIs older than 2.13 (Debian's 2.9, v1) ignore endpoint_url in the config file.
    const { stdout } = await run('aws', ['--endpoint-url', h.endpoint, '--output', 'json', ...args], { env });
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  };

  it('create-key, encrypt, decrypt, list-keys, describe-key', async () => {
    const created = await aws('kms', 'create-key', '--description', 'from the cli');
    const keyId: string = created.KeyMetadata.KeyId;
    assert.equal(created.KeyMetadata.Description, 'from the cli');
    const listed = await aws('kms', 'list-keys');
    assert.ok(listed.Keys.some((k: { KeyId: string }) => k.KeyId === keyId));
    const plainFile = join(h.dataDir, 'plain.txt');
    writeFileSync(plainFile, 'hello from the aws cli');
    const enc = await aws('kms', 'encrypt', '--key-id', keyId, '--plaintext', `fileb://${plainFile}`, '--encryption-context', 'app=cli');
    const ctFile = join(h.dataDir, 'ct.bin');
    writeFileSync(ctFile, Buffer.from(enc.CiphertextBlob, 'base64'));
    const dec = await aws('kms', 'decrypt', '--ciphertext-blob', `fileb://${ctFile}`, '--encryption-context', 'app=cli');
    assert.equal(Buffer.from(dec.Plaintext, 'base64').toString(), 'hello from the aws cli');
    assert.equal(dec.KeyId, created.KeyMetadata.Arn);
    await assert.rejects(aws('kms', 'decrypt', '--ciphertext-blob', `fileb://${ctFile}`), /InvalidCiphertextException/);
    await assert.rejects(aws('kms', 'describe-key', '--key-id', 'fake-key-id'), /NotFoundException.*Invalid keyId 'fake-key-id'/s);
  });
});
