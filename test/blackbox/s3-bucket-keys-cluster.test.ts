/**
 * S3 Bucket Keys under `serve --workers 2`: each worker caches bucket keys, few KMS calls are made,
 * and a key disabled or a key policy changed through one worker ends the other's cached bucket
 * key at its next request (the store's change counter, checked against the key's state, policy and
 * grants). Each request opens its own connection; steps repeat until the request log shows both
 * workers answered (which worker takes a connection is the kernel's choice).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutBucketEncryptionCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { storedRows } from './audit-helpers.js';
import { rootCredentials, spawnServer, type ServerProcess } from '../reliability/lib/server-process.js';

const ACCOUNT = '000000000000';
const BATCH = 4;
const MAX_REQUESTS = 200;

describe('S3 Bucket Keys with serve --workers 2', () => {
  let dataDir: string;
  let server: ServerProcess;
  let s3: S3Client;
  let kms: KMSClient;
  let keyArn: string;
  let n = 0;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'locksmith-bk-cluster-'));
    server = await spawnServer(dataDir, { serveArgs: ['--workers', '2'] });
    const common = { endpoint: server.endpoint, region: 'us-east-1', credentials: rootCredentials(dataDir), maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: false }) }) };
    s3 = new S3Client({ ...common, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    kms = new KMSClient(common);
    keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await s3.send(new CreateBucketCommand({ Bucket: 'bkcluster' }));
    await s3.send(new PutBucketEncryptionCommand({
      Bucket: 'bkcluster',
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }] },
    }));
  });
  after(async () => {
    await server.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const requestIdOf = (r: PromiseSettledResult<unknown>): string => {
    const m = (r.status === 'fulfilled' ? r.value : r.reason) as { $metadata?: { requestId?: string } };
    assert.ok(m.$metadata?.requestId, `no request id in ${String(r.status === 'rejected' ? r.reason : 'the response')}`);
    return m.$metadata.requestId;
  };
  async function workersOf(ids: string[]): Promise<number[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const byId = new Map(server.output().split('\n').slice(0, -1).filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { requestId: string; worker: number }).map((l) => [l.requestId, l.worker] as const));
      if (ids.every((id) => byId.has(id))) return ids.map((id) => byId.get(id)!);
      assert.ok(Date.now() < deadline, 'request log lines missing');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  /** Sends until both workers answered at least `each` requests. */
  async function onBothWorkers<T>(send: () => Promise<T>, each = 1): Promise<PromiseSettledResult<T>[]> {
    const results: PromiseSettledResult<T>[] = [];
    const count = new Map<number, number>();
    while ((count.get(0) ?? 0) < each || (count.get(1) ?? 0) < each) {
      assert.ok(results.length < MAX_REQUESTS, `${results.length} requests, answered by workers ${JSON.stringify([...count])}`);
      const batch = await Promise.allSettled(Array.from({ length: BATCH }, send));
      results.push(...batch);
      for (const w of await workersOf(batch.map(requestIdOf))) count.set(w, (count.get(w) ?? 0) + 1);
    }
    return results;
  }
  const put = () => s3.send(new PutObjectCommand({ Bucket: 'bkcluster', Key: `k/${n++}`, Body: 'cluster body' }));
  const get = () => s3.send(new GetObjectCommand({ Bucket: 'bkcluster', Key: 'k/0' }));
  const generateDataKeyCalls = () => storedRows(dataDir).filter((r) => r.record.eventSource === 'kms.amazonaws.com' && r.record.eventName === 'GenerateDataKey').length;
  const codes = (rs: PromiseSettledResult<unknown>[]) => [...new Set(rs.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name)))];

  it('both workers reuse their bucket keys although every PUT moves the shared change counter', async () => {
    const results = await onBothWorkers(put, 10);
    assert.deepEqual(codes(results), ['ok']);
    const calls = generateDataKeyCalls();
    assert.ok(calls >= 1 && calls <= 6, `${calls} GenerateDataKey calls for ${results.length} PUTs on 2 workers`);
  });

  it('DisableKey through one worker ends both workers\' cached bucket keys at once; EnableKey restores them', async () => {
    assert.deepEqual(codes(await onBothWorkers(get)), ['ok']); // read caches warm too
    await kms.send(new DisableKeyCommand({ KeyId: keyArn }));
    try {
      assert.deepEqual(codes(await onBothWorkers(put)), ['KMS.DisabledException']);
      assert.deepEqual(codes(await onBothWorkers(get)), ['KMS.DisabledException']);
    } finally {
      await kms.send(new EnableKeyCommand({ KeyId: keyArn }));
    }
    assert.deepEqual(codes(await onBothWorkers(put)), ['ok']);
  });

  it('a key policy Deny through one worker applies to the next PUT and GET on both', async () => {
    await onBothWorkers(put);
    const policy = (...extra: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }, ...extra,
    ] });
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: policy({ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*' }) }));
    try {
      assert.deepEqual(codes(await onBothWorkers(put)), ['AccessDenied']);
      assert.deepEqual(codes(await onBothWorkers(get)), ['AccessDenied']);
    } finally {
      await kms.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: policy() }));
    }
    assert.deepEqual(codes(await onBothWorkers(get)), ['ok']);
  });
});
