/**
 * `locksmith serve --insecure-dev-clock` and `locksmith clock …` as a developer uses them: real
 * processes, the real CLI, the AWS SDK. The lifecycle clock moves; SigV4 keeps real time.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EnableKeyRotationCommand, EncryptCommand, GetKeyRotationStatusCommand,
  KMSClient, ListKeyRotationsCommand, ListKeysCommand, ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { CLI, rootCredentials, spawnServer, type ServerProcess } from '../reliability/lib/server-process.js';

const run = promisify(execFile);
const DAY = 86_400_000;

/** The real CLI: exit code, stdout, stderr. */
async function locksmith(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, LOCKSMITH_DATA_DIR: undefined } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const kmsFor = (server: ServerProcess) =>
  new KMSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: rootCredentials(server.dataDir), maxAttempts: 1 });

describe('serve --insecure-dev-clock with locksmith clock', () => {
  let dir: string;
  let server: ServerProcess;
  let kms: KMSClient;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-devclock-'));
    server = await spawnServer(dir, { serveArgs: ['--insecure-dev-clock'] });
    kms = kmsFor(server);
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('warns at start and keeps its control file private (mode 0600)', () => {
    assert.match(server.output(), /WARNING: --insecure-dev-clock/);
    assert.equal(statSync(join(dir, 'dev-clock.json')).mode & 0o777, 0o600);
  });

  it('refuses a caller without the token', async () => {
    const { endpoint } = JSON.parse(readFileSync(join(dir, 'dev-clock.json'), 'utf8')) as { endpoint: string };
    const res = await fetch(`${endpoint}/clock/advance`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{"ms":1}' });
    assert.equal(res.status, 403);
    const show = await locksmith('clock', 'show', '--json', '--data-dir', dir);
    assert.equal(show.code, 0, show.stderr);
    assert.equal(JSON.parse(show.stdout).offsetMs, 0);
  });

  it('schedule deletion, advance 7 days: the key is gone and its ciphertext no longer decrypts', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const keyId = KeyMetadata!.KeyId!;
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('secret') }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    const early = await locksmith('clock', 'advance', '6d', '--data-dir', dir);
    assert.equal(early.code, 0, early.stderr);
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState, 'PendingDeletion');
    const moved = await locksmith('clock', 'advance', '1d', '--data-dir', dir);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /key schedule ran: .*deletion 1/);
    await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId: keyId })), { name: 'NotFoundException' });
    // AWS answers a ciphertext whose key is gone with this AccessDeniedException.
    await assert.rejects(kms.send(new DecryptCommand({ CiphertextBlob })), { name: 'AccessDeniedException', message: /customer master key that does not exist/ });
  });

  it('automatic rotation is due after advancing past the rotation period', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const keyId = KeyMetadata!.KeyId!;
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    const next = (await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).NextRotationDate!;
    assert.equal((await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations!.length, 0);
    const set = await locksmith('clock', 'set', new Date(next.getTime() + DAY).toISOString(), '--data-dir', dir);
    assert.equal(set.code, 0, set.stderr);
    const rotations = (await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations!;
    assert.equal(rotations.length, 1);
    assert.equal(rotations[0]!.RotationType, 'AUTOMATIC');
  });

  it('session expiry follows the lifecycle clock', async () => {
    const sts = new STSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: rootCredentials(dir), maxAttempts: 1 });
    const c = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
    const session = new KMSClient({
      endpoint: server.endpoint, region: 'us-east-1', maxAttempts: 1,
      credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
    });
    await session.send(new ListKeysCommand({}));
    const moved = await locksmith('clock', 'advance', '16m', '--data-dir', dir);
    assert.equal(moved.code, 0, moved.stderr);
    await assert.rejects(session.send(new ListKeysCommand({})), { name: 'ExpiredTokenException' });
    const fresh = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
    assert.ok(fresh.Expiration!.getTime() > Date.now() + 16 * 60_000, 'a new session is dated by the moved clock');
  });

  it('SigV4 keeps real time: calls still work after advancing a year', async () => {
    const moved = await locksmith('clock', 'advance', '1y', '--json', '--data-dir', dir);
    assert.equal(moved.code, 0, moved.stderr);
    const now = new Date(JSON.parse(moved.stdout).now).getTime();
    assert.ok(now > Date.now() + 364 * DAY, `lifecycle clock at ${new Date(now).toISOString()}`);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    // The lifecycle clock dates what is created; the request itself was signed with real time.
    assert.ok(KeyMetadata!.CreationDate!.getTime() > Date.now() + 364 * DAY);
    assert.ok((await kms.send(new ListKeysCommand({}))).Keys!.length >= 1);
  });

  it('rejects a malformed duration with a clear message', async () => {
    const bad = await locksmith('clock', 'advance', 'seven days', '--data-dir', dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid duration 'seven days'/);
  });
});

describe('locksmith clock without the flag', () => {
  let dir: string;
  let server: ServerProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-devclock-off-'));
    server = await spawnServer(dir);
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused, and no control file or listener exists', async () => {
    assert.equal(existsSync(join(dir, 'dev-clock.json')), false);
    const refused = await locksmith('clock', 'advance', '7d', '--data-dir', dir);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused: .*locksmith serve --insecure-dev-clock/);
    const res = await kmsFor(server).send(new ListKeysCommand({}));
    assert.ok(Array.isArray(res.Keys));
  });
});
