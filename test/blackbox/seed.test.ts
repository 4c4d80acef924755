import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

/**
 * `locksmith serve --seed <file>` / LOCKSMITH_SEED, as real processes: seeded principals sign
 * requests, seeded keys encrypt, reseeding changes nothing, and a ciphertext made on one data
 * directory decrypts on another with a different root key.
 */
const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const FIXTURE = join(import.meta.dirname, '../fixtures/seed-two-accounts.yaml');
const APP_KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';
const ALPHA_ROOT = { accessKeyId: 'AKIAALPHAROOT0000001', secretAccessKey: 'alpha-root-secret' };
const ALICE = { accessKeyId: 'AKIAALICE00000000001', secretAccessKey: 'alice-secret' };
const BOB = { accessKeyId: 'AKIABOB0000000000001', secretAccessKey: 'bob-secret' };

interface Run {
  proc: ChildProcess;
  endpoint: string;
  output: () => string;
}

function spawnServe(dataDir: string, args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir, ...args], {
    env: { ...process.env, LOCKSMITH_ROOT_KEY_FILE: undefined, LOCKSMITH_SEED: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts `locksmith serve` and waits for its listening line. */
function serve(dataDir: string, args: string[], env?: Record<string, string | undefined>): Promise<Run> {
  const proc = spawnServe(dataDir, args, env);
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ proc, endpoint: m[1], output: () => out });
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

/** Runs `locksmith serve` expecting it to refuse to start; returns exit code and output. */
function serveFails(dataDir: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const proc = spawnServe(dataDir, args);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', () => {
      if (/listening on/.test(out)) {
        proc.kill('SIGKILL');
        reject(new Error(`server started despite a bad seed: ${out}`));
      }
    });
    proc.once('exit', (code) => resolve({ code, output: out }));
  });
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    proc.removeAllListeners('exit');
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

const client = (endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new KMSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

describe('seed file (real `locksmith serve` processes)', () => {
  const dirA = mkdtempSync(join(tmpdir(), 'locksmith-seed-a-'));
  const dirB = mkdtempSync(join(tmpdir(), 'locksmith-seed-b-'));
  const scratch = mkdtempSync(join(tmpdir(), 'locksmith-seed-files-'));
  after(() => {
    for (const d of [dirA, dirB, scratch]) rmSync(d, { recursive: true, force: true });
  });
  let ciphertext: Uint8Array;
  let laterKeyId: string;

  it('--seed creates the principals and keys it declares', async () => {
    const run = await serve(dirA, ['--seed', FIXTURE]);
    try {
      assert.match(run.output(), /Seed applied: accounts 2 \(2 created\)/);
      const alice = client(run.endpoint, ALICE);
      ciphertext = (await alice.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: Buffer.from('seeded'), EncryptionContext: { app: 'x' } }))).CiphertextBlob!;
      const meta = (await alice.send(new DescribeKeyCommand({ KeyId: 'alias/app' }))).KeyMetadata!;
      assert.equal(meta.Arn, APP_KEY_ARN);
      assert.equal(meta.Description, 'alpha app key (fixed material)');
      // The app key's policy lets account beta use it; bob's IAM policy allows kms:*.
      const bob = client(run.endpoint, BOB);
      const dec = await bob.send(new DecryptCommand({ CiphertextBlob: ciphertext, EncryptionContext: { app: 'x' } }));
      assert.equal(Buffer.from(dec.Plaintext!).toString(), 'seeded');
      const root = client(run.endpoint, ALPHA_ROOT);
      laterKeyId = (await root.send(new CreateKeyCommand({ Description: 'made through the API' }))).KeyMetadata!.KeyId!;
      for (const c of [alice, bob, root]) c.destroy();
    } finally {
      await stop(run.proc);
    }
  });

  it('LOCKSMITH_SEED reapplies the same seed without changing anything; keys made later survive', async () => {
    const run = await serve(dirA, [], { LOCKSMITH_SEED: FIXTURE });
    try {
      assert.match(run.output(), /Seed applied: accounts 2 \(2 unchanged\); access keys 5 \(5 unchanged\)/);
      assert.doesNotMatch(run.output(), /\d+ (created|updated)/);
      const root = client(run.endpoint, ALPHA_ROOT);
      assert.equal((await root.send(new DescribeKeyCommand({ KeyId: laterKeyId }))).KeyMetadata!.Description, 'made through the API');
      const dec = await root.send(new DecryptCommand({ CiphertextBlob: ciphertext, EncryptionContext: { app: 'x' } }));
      assert.equal(Buffer.from(dec.Plaintext!).toString(), 'seeded');
      root.destroy();
    } finally {
      await stop(run.proc);
    }
  });

  it('another data directory (another root key) seeded alike decrypts the same ciphertext', async () => {
    const run = await serve(dirB, ['--seed', FIXTURE]);
    try {
      assert.notEqual(readFileSync(join(dirA, 'root-key'), 'utf8'), readFileSync(join(dirB, 'root-key'), 'utf8'));
      const alice = client(run.endpoint, ALICE);
      const dec = await alice.send(new DecryptCommand({ CiphertextBlob: ciphertext, EncryptionContext: { app: 'x' } }));
      assert.equal(Buffer.from(dec.Plaintext!).toString(), 'seeded');
      assert.equal(dec.KeyId, APP_KEY_ARN);
      alice.destroy();
    } finally {
      await stop(run.proc);
    }
  });

  it('refuses to start on an invalid seed, naming the file and the path of each problem', async () => {
    const bad = join(scratch, 'bad.yaml');
    writeFileSync(bad, 'accounts:\n  - id: "1234"\n    keys:\n      - {id: 11111111-2222-3333-4444-555555555555, region: us-east-1, material: AAAA}\n');
    const { code, output } = await serveFails(dirB, ['--seed', bad]);
    assert.notEqual(code, 0);
    assert.ok(output.includes(`invalid seed file ${bad}:`), output);
    assert.match(output, /accounts\[0\]\.id: must be an account id of 12 digits/);
    assert.match(output, /accounts\[0\]\.keys\[0\]\.material: must be base64 of 32 bytes/);
  });

  it('refuses to start when the seed gives an existing key different material', async () => {
    const changed = join(scratch, 'changed.yaml');
    writeFileSync(changed, readFileSync(FIXTURE, 'utf8').replace('HSF9p8Pd3oEWMr6Z2U1oygN05M/6ibUtBiRXRGdsBtk=', Buffer.alloc(32, 9).toString('base64')));
    const { code, output } = await serveFails(dirA, ['--seed', changed]);
    assert.notEqual(code, 0);
    assert.match(output, /seed conflicts with stored data:\n\s+accounts\[0\]\.keys\[0\]\.material: key arn:aws:kms:us-east-1:111111111111:key\/11111111-2222-3333-4444-555555555555 already exists with different key material/);
  });

  it('a missing seed file is a clear startup error', async () => {
    const { code, output } = await serveFails(dirB, ['--seed', join(scratch, 'nope.yaml')]);
    assert.notEqual(code, 0);
    assert.match(output, /cannot read seed file .*nope\.yaml/);
  });
});
