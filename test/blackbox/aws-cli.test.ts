import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { awsCliEnv, Harness } from './harness.js';

const run = promisify(execFile);

/** The real `aws` CLI, configured only by the profile files Locksmith wrote into its data dir. */
describe('aws CLI smoke test with the generated profile', () => {
  let h: Harness;
  before(async () => (h = await Harness.start()));
  after(() => h.stop());

  const aws = async (...args: string[]) => {
    const env = awsCliEnv(h);
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

  // Only commands Debian's aws 2.9 (what CI installs) knows: no rotation period, RotateKeyOnDemand or ListKeyRotations there.
  it('rotation, a Multi-Region replica and BYOK with openssl wrapping', async () => {
    const key = (await aws('kms', 'create-key')).KeyMetadata.KeyId as string;
    await aws('kms', 'enable-key-rotation', '--key-id', key);
    assert.equal((await aws('kms', 'get-key-rotation-status', '--key-id', key)).KeyRotationEnabled, true);

    const mrk = (await aws('kms', 'create-key', '--multi-region')).KeyMetadata;
    assert.match(mrk.KeyId, /^mrk-[0-9a-f]{32}$/);
    const replica = await aws('kms', 'replicate-key', '--key-id', mrk.KeyId, '--replica-region', 'eu-west-1', '--description', 'replica');
    assert.equal(replica.ReplicaKeyMetadata.Arn, mrk.Arn.replace(':us-east-1:', ':eu-west-1:'));
    assert.equal(replica.ReplicaKeyMetadata.MultiRegionConfiguration.MultiRegionKeyType, 'REPLICA');

    const external = (await aws('kms', 'create-key', '--origin', 'EXTERNAL')).KeyMetadata.KeyId as string;
    const params = await aws('kms', 'get-parameters-for-import', '--key-id', external, '--wrapping-algorithm', 'RSAES_OAEP_SHA_256', '--wrapping-key-spec', 'RSA_2048');
    const dir = h.dataDir;
    writeFileSync(join(dir, 'wrapping.der'), Buffer.from(params.PublicKey, 'base64'));
    writeFileSync(join(dir, 'token.bin'), Buffer.from(params.ImportToken, 'base64'));
    writeFileSync(join(dir, 'material.bin'), randomBytes(32));
    await run('openssl', ['pkeyutl', '-encrypt', '-pubin', '-keyform', 'DER', '-inkey', join(dir, 'wrapping.der'), '-in', join(dir, 'material.bin'),
      '-out', join(dir, 'wrapped.bin'), '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256']);
    await aws('kms', 'import-key-material', '--key-id', external, '--encrypted-key-material', `fileb://${join(dir, 'wrapped.bin')}`,
      '--import-token', `fileb://${join(dir, 'token.bin')}`, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    const described = (await aws('kms', 'describe-key', '--key-id', external)).KeyMetadata;
    assert.deepEqual([described.KeyState, described.Origin, described.ExpirationModel], ['Enabled', 'EXTERNAL', 'KEY_MATERIAL_DOES_NOT_EXPIRE']);
  });
});

/** The README's cross-account example, exactly as a user would type it. */
describe('aws CLI cross-account example with the seed fixture', () => {
  let h: Harness;
  before(async () => (h = await Harness.start({ seedFile: join(import.meta.dirname, '../fixtures/seed-two-accounts.yaml') })));
  after(() => h.stop());
  const KEY = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';

  const as = (accessKeyId: string, secretAccessKey: string) => async (...args: string[]) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    if (process.env.PYENV_ROOT) env.PYENV_ROOT = process.env.PYENV_ROOT;
    const { stdout } = await run('aws', [`--endpoint-url=${h.endpoint}`, '--output', 'json', ...args], { env });
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  };

  it('bob of account 222222222222 encrypts and decrypts with alpha\'s key; DisableKey and the auditor are refused', async () => {
    const bob = as('AKIABOB0000000000001', 'bob-secret');
    const plain = join(h.dataDir, 'plain.txt');
    writeFileSync(plain, 'shared secret');
    const enc = await bob('kms', 'encrypt', '--key-id', KEY, '--plaintext', `fileb://${plain}`);
    assert.equal(enc.KeyId, KEY);
    const ct = join(h.dataDir, 'ct.bin');
    writeFileSync(ct, Buffer.from(enc.CiphertextBlob, 'base64'));
    const dec = await bob('kms', 'decrypt', '--ciphertext-blob', `fileb://${ct}`);
    assert.equal(Buffer.from(dec.Plaintext, 'base64').toString(), 'shared secret');
    await assert.rejects(bob('kms', 'disable-key', '--key-id', KEY), /AccessDeniedException/);
    const auditor = as('AKIAAUDITOR000000001', 'auditor-secret');
    await assert.rejects(auditor('kms', 'encrypt', '--key-id', KEY, '--plaintext', `fileb://${plain}`), /AccessDeniedException.*no identity-based policy allows the kms:Encrypt action/s);
    const who = await bob('sts', 'get-caller-identity');
    assert.equal(who.Arn, 'arn:aws:iam::222222222222:user/bob');
  });
});
