/**
 * Regression tests for issue #11's network findings: socket exhaustion (finding 4), the
 * unauthenticated /metrics on the API port and the case variant of the reserved alias prefix
 * (finding 13). The socket tests run `locksmith serve` as its own process, so its descriptors
 * (/proc/<pid>/fd) and its open-file limit (prlimit) are its own.
 */
import { CreateAliasCommand, CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encryptRequest, eventually, fdCount, healthRequest, openAbusive, timedRequest } from '../reliability/lib/abusive-clients.js';
import { rootCredentials, spawnServer, type ServerProcess } from '../reliability/lib/server-process.js';
import { awsError, Harness, REGION } from './harness.js';

async function serve(env: Record<string, string>): Promise<ServerProcess & { cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-secnet-'));
  const server = await spawnServer(dataDir, { env });
  return Object.assign(server, {
    async cleanup() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

describe('finding 4: socket exhaustion', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  it('a connection that misses the headers deadline gets a 408 and its descriptor is freed, though the client holds its end open', async () => {
    const server = await serve({ LOCKSMITH_HEADERS_TIMEOUT_MS: '1000', LOCKSMITH_REQUEST_TIMEOUT_MS: '2000' });
    cleanups.push(server.cleanup);
    const baseline = fdCount(server.pid);
    const clients = await openAbusive(server.endpoint, 'slow-headers', 50, { dribbleMs: 60_000 });
    cleanups.push(async () => clients.destroy());
    assert.ok(await eventually(() => fdCount(server.pid) >= baseline + 50, 2_000), 'the server holds one descriptor per connection');
    // Before the fix the socket was only half-closed (after Node's 60 s default): the descriptor stayed.
    const freed = await eventually(() => fdCount(server.pid) <= baseline + 2, 5_000);
    assert.ok(freed, `server descriptors: ${fdCount(server.pid)}, baseline ${baseline}`);
    assert.ok(clients.statusLines().length >= 45, `408s seen: ${clients.statusLines().length}`);
    assert.ok(clients.statusLines().every((l) => l === 'HTTP/1.1 408 Request Timeout'), clients.statusLines()[0]);
  });

  it('idle connections beyond the descriptors the process has do not stop /health or a signed Encrypt', async () => {
    const server = await serve({ LOCKSMITH_MAX_CONNECTIONS: '100' });
    cleanups.push(server.cleanup);
    const credentials = rootCredentials(server.dataDir);
    const kms = new KMSClient({ endpoint: server.endpoint, region: REGION, credentials, maxAttempts: 1 });
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    kms.destroy();
    // 256 descriptors in all, as an operator's `ulimit -n 256` would give, then 300 idle connections.
    execFileSync('prlimit', ['--pid', String(server.pid), '--nofile=256:256']);
    const clients = await openAbusive(server.endpoint, 'idle', 300);
    cleanups.push(async () => clients.destroy());
    assert.ok(fdCount(server.pid) < 256, `server descriptors: ${fdCount(server.pid)}`);
    const health = await timedRequest(server.endpoint, healthRequest(server.endpoint));
    assert.equal(health.status, 200, `/health: ${JSON.stringify(health)}`);
    const encrypt = await timedRequest(server.endpoint, await encryptRequest(server.endpoint, credentials, keyId));
    assert.equal(encrypt.status, 200, `Encrypt: ${JSON.stringify(encrypt)}`);
    assert.ok(health.ms < 1000 && encrypt.ms < 1000, `latency: /health ${health.ms} ms, Encrypt ${encrypt.ms} ms`);
    assert.ok(clients.closed() >= 200, `idle connections closed to make room: ${clients.closed()}`);
    assert.ok(server.alive());
  });

  it('bodies still arriving share one memory budget: the oldest unfinished ones are dropped past it', async () => {
    const server = await serve({ LOCKSMITH_BODY_MEMORY_MIB: '8' });
    cleanups.push(server.cleanup);
    // 40 bodies of 1 MiB - 1 byte each, the last byte never sent: 40 MiB held before the fix.
    const clients = await openAbusive(server.endpoint, 'slow-body', 40, { dribbleMs: 60_000 });
    cleanups.push(async () => clients.destroy());
    const dropped = await eventually(() => clients.closed() >= 30, 5_000);
    assert.ok(dropped, `slow bodies dropped: ${clients.closed()} of 40`);
    const health = await timedRequest(server.endpoint, healthRequest(server.endpoint));
    assert.equal(health.status, 200);
  });
});

describe('finding 13: /metrics off the API port, reserved alias prefix in any case', () => {
  let h: Harness;
  after(() => h?.stop());

  it('the API port does not serve /metrics; the metrics listener (--metrics-port) does', async () => {
    h = await Harness.start({ metricsPort: 0 });
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await h.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('m') }));
    const onApi = await fetch(`${h.endpoint}/metrics`);
    const apiText = await onApi.text();
    assert.notEqual(onApi.status, 200);
    assert.ok(!apiText.includes(key.Arn!), 'no key ARN on the API port');
    assert.ok(!apiText.includes('locksmith_'), 'no series on the API port');
    assert.ok(h.server.metricsEndpoint, 'metrics listener started');
    assert.match(h.server.metricsEndpoint!, /^http:\/\/127\.0\.0\.1:\d+$/);
    const metrics = await fetch(`${h.server.metricsEndpoint}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /locksmith_requests_total\{service="kms",operation="Encrypt",outcome="success"\} 1/);
    assert.equal((await fetch(`${h.server.metricsEndpoint}/health`)).status, 404);
    assert.equal((await fetch(`${h.endpoint}/health`)).status, 200);
    assert.equal((await fetch(`${h.endpoint}/ready`)).status, 200);
  });

  it('without --metrics-port no metrics listener runs', async () => {
    const plain = await Harness.start();
    try {
      assert.equal(plain.server.metricsEndpoint, undefined);
    } finally {
      await plain.stop();
    }
  });

  it('CreateAlias refuses case variants of alias/aws/ as it refuses alias/aws/ itself', async () => {
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    for (const name of ['alias/aws/mine', 'alias/AWS/s3', 'alias/Aws/x', 'alias/aWs/y']) {
      const e = await awsError(() => h.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.KeyId })));
      assert.equal(e.name, 'NotAuthorizedException', name);
      assert.equal(e.status, 400, name);
    }
    // Only the prefix is reserved: names that merely contain "aws" are fine.
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/awsome', TargetKeyId: key.KeyId }));
    await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/my/AWS/s3', TargetKeyId: key.KeyId }));
  });
});
