/**
 * `serve --workers 2`: two processes behind one port and one data directory. Each request here
 * opens a new connection, and each step sends requests until the request log (which names the
 * worker of each request id) shows both workers answered: which worker gets a connection is the
 * kernel's and the cluster's choice, not the test's. Whatever one worker changes, the other's next request sees:
 * no two workers ever disagree about a key's state. Each worker appends to its own audit chain in
 * the shared file (no record crosses processes); `audit verify` checks every chain, and a worker
 * that dies is replaced (its successor continues its chain).
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

/** Requests sent at once, each on a new connection; at most MAX_REQUESTS until both workers answered. */
const BATCH = 4;
const MAX_REQUESTS = 200;

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

  /**
   * Sends requests (each on its own connection) until the request log shows that both workers
   * answered some of them: which worker accepts a connection is the kernel's choice, so a fixed
   * number of requests proves nothing. Bounded: fails after MAX_REQUESTS once 30 s have passed
   * (a replacement worker takes seconds to listen; until then the survivor answers everything).
   */
  async function onBothWorkers<T>(send: () => Promise<T>): Promise<PromiseSettledResult<T>[]> {
    const results: PromiseSettledResult<T>[] = [];
    const workers = new Set<number>();
    const patience = Date.now() + 30_000;
    while (workers.size < 2) {
      assert.ok(results.length < MAX_REQUESTS || Date.now() < patience, `${results.length} requests all went to worker ${[...workers].join()}`);
      const batch = await Promise.allSettled(Array.from({ length: BATCH }, send));
      results.push(...batch);
      for (const w of await workersOf(batch.map(requestIdOf))) workers.add(w);
    }
    return results;
  }
  const requestIdOf = (r: PromiseSettledResult<unknown>): string => {
    const metadata = (r.status === 'fulfilled' ? r.value : r.reason) as { $metadata?: { requestId?: string } };
    const id = metadata.$metadata?.requestId;
    assert.ok(id, `no request id in ${String(r.status === 'rejected' ? r.reason : 'the response')}`);
    return id;
  };
  /** The worker that logged each request (log lines may trail the responses a little). */
  async function workersOf(requestIds: string[]): Promise<number[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const byId = new Map(
        server
          .output()
          .split('\n')
          .slice(0, -1) // the last piece may be a line still being written
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { requestId: string; worker: number })
          .map((l) => [l.requestId, l.worker] as const),
      );
      if (requestIds.every((id) => byId.has(id))) return requestIds.map((id) => byId.get(id)!);
      assert.ok(Date.now() < deadline, 'request log lines missing');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const encryptEverywhere = (keyId: string) => onBothWorkers(() => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('cluster') })));
  const allFulfilled = (rs: PromiseSettledResult<unknown>[]) => assert.deepEqual(rs.map((r) => r.status), Array(rs.length).fill('fulfilled'));

  it('serves from both workers, and a key disabled through one is disabled in both at once', async () => {
    assert.match(server.output(), /Locksmith cluster: 2 workers serving on http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(childPids(server.pid).length, 2);
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    allFulfilled(await encryptEverywhere(key.KeyId!)); // both workers have the key cached now

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
    allFulfilled(enabled);
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

  it('replaces a worker that dies; the audit trail of both workers, one chain each, verifies', async () => {
    const [victim] = childPids(server.pid);
    process.kill(victim!, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while (!/exited \(SIGKILL\); starting a new one/.test(server.output()) || childPids(server.pid).length < 2) {
      assert.ok(Date.now() < deadline, `no replacement worker: ${server.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(!childPids(server.pid).includes(victim!));
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    // The replacement needs a moment to listen; until then the survivor serves every request.
    // Both workers (the survivor and the replacement) answer, and every request succeeds.
    allFulfilled(await encryptEverywhere(key.KeyId!));
    await server.stop('SIGTERM');
    assert.deepEqual(server.exited && (await server.exited), { code: 0, signal: null });
    const verified = await locksmith('audit', 'verify', '--data-dir', dataDir);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /audit trail intact/);
    // Worker 0 extends writer ''s chain (as a single process does), worker 1 its own.
    assert.match(verified.stdout, /^000000000000 \S+: [1-9]\d* records, \d+ digests: OK$/m);
    assert.match(verified.stdout, /^000000000000 \S+ \(node worker-1\): [1-9]\d* records, \d+ digests: OK$/m);
  });
});
