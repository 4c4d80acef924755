/**
 * `locksmith encrypt` / `locksmith decrypt` as processes against a real Locksmith: interoperability
 * with the AWS Encryption SDK's own streams, failures (flipped byte, truncation, disabled key, access
 * denied, wrong context, too many encrypted data keys) with their exit codes and no output left behind.
 */
import { buildClient, CommitmentPolicy, getClient, KMS, KmsKeyringNode, type MessageHeader } from '@aws-crypto/client-node';
import { CreateKeyCommand, DisableKeyCommand } from '@aws-sdk/client-kms';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { awsEnv, runLocksmith, type CliResult } from '../reliability/lib/envelope-cli.js';
import { CLI } from '../reliability/lib/server-process.js';
import { Harness, iamClient, REGION, type Credentials } from './harness.js';

const EXIT = { ok: 0, usage: 2, kms: 3, integrity: 4 };

describe('locksmith encrypt / decrypt', () => {
  let h: Harness;
  let dir: string;
  let keyArn: string;
  let otherArn: string;
  const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  before(async () => {
    h = await Harness.start();
    dir = mkdtempSync(join(tmpdir(), 'locksmith-envelope-'));
    keyArn = (await h.kms.send(new CreateKeyCommand({ Description: 'envelope' }))).KeyMetadata!.Arn!;
    otherArn = (await h.kms.send(new CreateKeyCommand({ Description: 'envelope other' }))).KeyMetadata!.Arn!;
  });
  after(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (creds: Credentials = h.credentials) => awsEnv({ ...creds, region: REGION, endpoint: h.endpoint });
  const cli = (args: string[], opts: { creds?: Credentials; stdin?: Buffer } = {}) => runLocksmith(args, env(opts.creds), { stdin: opts.stdin });
  const path = (name: string) => join(dir, name);
  const sdkKeyring = (arn: string) =>
    new KmsKeyringNode({ generatorKeyId: arn, clientProvider: getClient(KMS, { endpoint: h.endpoint, credentials: h.credentials, region: REGION }) });
  const ok = (r: CliResult) => assert.equal(r.code, EXIT.ok, r.stderr);
  /** Exit code, one stderr line matching every pattern, and no output file or temporary file left. */
  const fails = (r: CliResult, code: number, patterns: RegExp[], out?: string) => {
    assert.equal(r.code, code, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    for (const p of patterns) assert.match(lines[0]!, p);
    if (out) assert.deepEqual(readdirSync(dir).filter((f) => f === out || f.includes('locksmith-tmp')), []);
  };
  const sample = (name: string, bytes: number) => {
    const data = randomBytes(bytes);
    writeFileSync(path(name), data);
    return data;
  };

  it('a message made by `locksmith encrypt` decrypts with the Encryption SDK decryptStream, context included', async () => {
    const plain = sample('a.bin', 300_000);
    ok(await cli(['encrypt', '--key', keyArn, '--context', 'app=demo', '--context', 'team=blue', '--in', path('a.bin'), '--out', path('a.enc')]));
    const chunks: Buffer[] = [];
    let header: MessageHeader | undefined;
    const decrypting = sdk.decryptStream(sdkKeyring(keyArn)).once('MessageHeader', (m: MessageHeader) => (header = m));
    await pipeline(Readable.from([readFileSync(path('a.enc'))]), decrypting, new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }));
    assert.deepEqual(Buffer.concat(chunks), plain);
    assert.equal(header!.encryptionContext.app, 'demo');
    assert.equal(header!.encryptionContext.team, 'blue');
    assert.equal(header!.encryptedDataKeys[0]!.providerInfo, keyArn);
  });

  it('a message made by the Encryption SDK encryptStream decrypts with `locksmith decrypt`, also stdin → stdout', async () => {
    const plain = randomBytes(200_000);
    const parts: Buffer[] = [];
    const encrypting = sdk.encryptStream(sdkKeyring(keyArn), { encryptionContext: { app: 'sdk' } });
    await pipeline(Readable.from([plain]), encrypting, new Writable({ write: (c: Buffer, _e, cb) => (parts.push(c), cb()) }));
    writeFileSync(path('sdk.enc'), Buffer.concat(parts));
    ok(await cli(['decrypt', '--key', keyArn, '--context', 'app=sdk', '--in', path('sdk.enc'), '--out', path('sdk.out')]));
    assert.deepEqual(readFileSync(path('sdk.out')), plain);
    const piped = await cli(['decrypt', '--key', keyArn, '--in', '-', '--out', '-'], { stdin: Buffer.concat(parts) });
    ok(piped);
    assert.deepEqual(piped.stdout, plain);
    assert.equal(piped.stderr, '', 'no progress bar or other output when stderr is not a terminal');
  });

  it('several --key: the first generates the data key, each other one can decrypt alone; --discovery with --account', async () => {
    const plain = sample('multi.bin', 5000);
    ok(await cli(['encrypt', '--key', keyArn, '--key', otherArn, '--in', path('multi.bin'), '--out', path('multi.enc')]));
    const viaOther = await cli(['decrypt', '--key', otherArn, '--in', path('multi.enc'), '--out', '-']);
    ok(viaOther);
    assert.deepEqual(viaOther.stdout, plain);
    const discovered = await cli(['decrypt', '--discovery', '--account', keyArn.split(':')[4]!, '--in', path('multi.enc'), '--out', '-']);
    ok(discovered);
    assert.deepEqual(discovered.stdout, plain);
    fails(await cli(['decrypt', '--discovery', '--account', '999999999999', '--in', path('multi.enc'), '--out', path('x.out')]), EXIT.integrity, [/no key .* can decrypt/, new RegExp(keyArn)], 'x.out');
    fails(await cli(['decrypt', '--key', keyArn, '--max-encrypted-data-keys', '1', '--in', path('multi.enc'), '--out', path('x.out')]), EXIT.integrity, [/max-encrypted-data-keys/], 'x.out');
  });

  it('a flipped byte or a truncated message fails with exit 4 and leaves no output file', async () => {
    sample('flip.bin', 200_000);
    ok(await cli(['encrypt', '--key', keyArn, '--in', path('flip.bin'), '--out', path('flip.enc')]));
    const good = readFileSync(path('flip.enc'));
    for (const at of [good.length - 150_000, 5]) {
      const bad = Buffer.from(good);
      bad[at]! ^= 0x01;
      writeFileSync(path('bad.enc'), bad);
      fails(await cli(['decrypt', '--key', keyArn, '--in', path('bad.enc'), '--out', path('bad.out')]), EXIT.integrity, [/corrupted|not an AWS Encryption SDK message|could not decrypt/], 'bad.out');
    }
    for (const keep of [150_000, 40]) {
      writeFileSync(path('cut.enc'), good.subarray(0, keep));
      fails(await cli(['decrypt', '--key', keyArn, '--in', path('cut.enc'), '--out', path('cut.out')]), EXIT.integrity, [/corrupted, truncated/], 'cut.out');
    }
    const buffered = await cli(['decrypt', '--key', keyArn, '--buffer', '--in', '-', '--out', '-'], { stdin: good.subarray(0, good.length - 1) });
    fails(buffered, EXIT.integrity, [/truncated/]);
    assert.equal(buffered.stdout.length, 0, '--buffer writes nothing to stdout unless the whole message verified');
  });

  it('a context mismatch fails before any plaintext is produced', async () => {
    sample('ctx.bin', 1000);
    ok(await cli(['encrypt', '--key', keyArn, '--context', 'purpose=backup', '--in', path('ctx.bin'), '--out', path('ctx.enc')]));
    fails(await cli(['decrypt', '--key', keyArn, '--context', 'purpose=restore', '--in', path('ctx.enc'), '--out', path('ctx.out')]), EXIT.integrity, [/wrong encryption context/, /purpose="backup", not "restore"/], 'ctx.out');
    fails(await cli(['decrypt', '--key', keyArn, '--context', 'owner=me', '--in', path('ctx.enc'), '--out', path('ctx.out')]), EXIT.integrity, [/has no key 'owner'/], 'ctx.out');
  });

  it('a disabled key fails with the KMS reason (exit 3); so does a principal without permission, naming the action and key', async () => {
    const key = (await h.kms.send(new CreateKeyCommand({ Description: 'to disable' }))).KeyMetadata!.Arn!;
    sample('dis.bin', 1000);
    ok(await cli(['encrypt', '--key', key, '--in', path('dis.bin'), '--out', path('dis.enc')]));
    await h.kms.send(new DisableKeyCommand({ KeyId: key }));
    fails(await cli(['encrypt', '--key', key, '--in', path('dis.bin'), '--out', path('dis2.enc')]), EXIT.kms, [/DisabledException/, new RegExp(key), /enable-key/], 'dis2.enc');
    fails(await cli(['decrypt', '--key', key, '--in', path('dis.enc'), '--out', path('dis.out')]), EXIT.kms, [/DisabledException/, /kms:Decrypt|disabled/], 'dis.out');

    const iam = iamClient(h);
    await iam.send(new CreateUserCommand({ UserName: 'envelope-nobody' }));
    const ak = (await iam.send(new CreateAccessKeyCommand({ UserName: 'envelope-nobody' }))).AccessKey!;
    iam.destroy();
    const nobody = { accessKeyId: ak.AccessKeyId!, secretAccessKey: ak.SecretAccessKey! };
    fails(await cli(['encrypt', '--key', keyArn, '--in', path('dis.bin'), '--out', path('nope.enc')], { creds: nobody }), EXIT.kms, [/denied kms:GenerateDataKey on key/, new RegExp(keyArn), /AccessDeniedException/, /allow kms:GenerateDataKey/], 'nope.enc');
    fails(await cli(['decrypt', '--key', keyArn, '--in', path('multi.enc'), '--out', path('nope.out')], { creds: nobody }), EXIT.kms, [/denied kms:Decrypt on key/, new RegExp(keyArn)], 'nope.out');
  });

  it('interrupted (SIGINT) mid-stream: exit 130, the temporary file is removed, no output', async () => {
    // stdin stays open, so the CLI is still writing its temporary file when the signal comes.
    const proc = spawn(process.execPath, ['--import', 'tsx', CLI, 'encrypt', '--key', keyArn, '--in', '-', '--out', path('int.enc')], { env: env(), stdio: ['pipe', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => proc.once('close', resolve));
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdin.on('error', () => {});
    proc.stdin.write(randomBytes(3 * 1024 * 1024));
    const temp = () => readdirSync(dir).filter((f) => f.startsWith('.int.enc.locksmith-tmp-'));
    for (let i = 0; temp().length === 0; i++) {
      assert.ok(i < 3000 && proc.exitCode === null, `the temporary output file appears while the CLI runs: ${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    proc.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.deepEqual(temp(), []);
    assert.equal(readdirSync(dir).includes('int.enc'), false);
  });

  it('bad usage exits 2 with a one-line message', async () => {
    fails(await cli(['encrypt', '--in', path('dis.bin')]), EXIT.usage, [/needs --key/]);
    fails(await cli(['decrypt', '--key', 'alias/x', '--in', path('dis.enc')]), EXIT.usage, [/must be a key ARN/]);
  });
});
