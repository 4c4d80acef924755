/**
 * `serve --workers 2`: two processes behind one port and one data directory. Each request here
 * opens a new connection, so the cluster's round robin spreads them over both workers (the
 * request log names the worker). Whatever one worker changes, the other's next request sees:
 * no two workers ever disagree about a key's state. The audit chain stays one verifiable chain,
 * and a worker that dies is replaced.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  KMSClient,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { childPids, rootCredentials, spawnServer, type ServerProcess } from '../reliability/lib/server-process.js';
import { locksmith } from './audit-helpers.js';

const ROUNDS = 8;

describe('serve --workers: bad values', () => {
  it("refuses 0, 65 and words other than 'auto' before starting anything", async () => {
    for (const bad of ['0', '65', 'many']) {
      const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-cluster-bad-'));
      try {
        await assert.rejects(spawnServer(dataDir, { serveArgs: ['--workers', bad] }), (e: Error) => {
          assert.match(e.message, new RegExp(`invalid --workers '${bad}': 1 to 64 or 'auto'`));
          return true;
        });
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  });
});

describe('serve --workers 2', () => {
  let dataDir: string;
  let server: ServerProcess;
  /** A client whose every request opens (and closes) its own connection. */
  let kms: KMSClient;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'locksmith-cluster-'));
    server = await spawnServer(dataDir, { serveArgs: ['--workers', '2'] });
    kms = new KMSClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: rootCredentials(dataDir),
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: false }) }),
    });
  });
  after(async () => {
    await server.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const encryptEverywhere = (keyId: string) =>
    Promise.allSettled(Array.from({ length: ROUNDS }, () => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('cluster') }))));
  const workersThatServed = (operation: string) =>
    new Set(
      server
        .output()
        .split('\n')
        .slice(0, -1) // the last piece may be a line still being written
        .filter((l) => l.startsWith('{') && l.includes(`"operation":"${operation}"`))
        .map((l) => (JSON.parse(l) as { worker: number }).worker),
    );

  it('serves from both workers, and a key disabled through one is disabled in both at once', async () => {
    assert.match(server.output(), /Locksmith cluster: 2 workers serving on http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(childPids(server.pid).length, 2);
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const warm = await encryptEverywhere(key.KeyId!);
    assert.deepEqual(warm.map((r) => r.status), Array(ROUNDS).fill('fulfilled'), 'every worker has the key cached now');
    assert.deepEqual([...workersThatServed('Encrypt')].sort(), [0, 1]);

    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    const disabled = await encryptEverywhere(key.KeyId!);
    for (const r of disabled) {
      assert.equal(r.status, 'rejected', 'no worker answers from a stale cache');
      const e = (r as PromiseRejectedResult).reason as Error;
      assert.equal(e.name, 'DisabledException');
      assert.equal(e.message, `${key.Arn} is disabled.`);
    }

    await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
    const enabled = await encryptEverywhere(key.KeyId!);
    assert.deepEqual(enabled.map((r) => r.status), Array(ROUNDS).fill('fulfilled'));
    for (const r of enabled) {
      const blob = (r as PromiseFulfilledResult<{ CiphertextBlob?: Uint8Array }>).value.CiphertextBlob!;
      const out = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
      assert.equal(Buffer.from(out.Plaintext!).toString(), 'cluster');
    }
  });

  it('an alias moved through one worker names the new key in every worker', async () => {
    const first = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const second = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/cluster', TargetKeyId: first.KeyId }));
    const before = await encryptEverywhere('alias/cluster');
    for (const r of before) assert.equal((r as PromiseFulfilledResult<{ KeyId?: string }>).value.KeyId, first.Arn);
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/cluster', TargetKeyId: second.KeyId }));
    const afterUpdate = await encryptEverywhere('alias/cluster');
    for (const r of afterUpdate) assert.equal((r as PromiseFulfilledResult<{ KeyId?: string }>).value.KeyId, second.Arn);
  });

  it('replaces a worker that dies; the audit trail of both workers is one chain that verifies', async () => {
    const [victim] = childPids(server.pid);
    process.kill(victim!, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while (!/exited \(SIGKILL\); starting a new one/.test(server.output()) || childPids(server.pid).length < 2) {
      assert.ok(Date.now() < deadline, `no replacement worker: ${server.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(!childPids(server.pid).includes(victim!));
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    let served = 0;
    const replacementDeadline = Date.now() + 30_000;
    // The replacement needs a moment to listen; until then the survivor serves every request.
    while (served < ROUNDS && Date.now() < replacementDeadline) {
      const r = await encryptEverywhere(key.KeyId!);
      assert.deepEqual(r.map((x) => x.status), Array(ROUNDS).fill('fulfilled'));
      served += ROUNDS;
    }
    await server.stop('SIGTERM');
    assert.deepEqual(server.exited && (await server.exited), { code: 0, signal: null });
    const verified = await locksmith('audit', 'verify', '--data-dir', dataDir);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /audit trail intact/);
  });
});
