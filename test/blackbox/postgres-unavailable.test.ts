/**
 * A node on PostgreSQL when the database cannot serve it: a pool exhausted by a blocked
 * transaction, and the database stopped and started again. Requests fail fast with AWS's
 * retryable internal errors (KMSInternalException, S3 InternalError) — never hang — and succeed
 * again once the database answers; the process keeps running.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { startLocksmith, type RunningLocksmith } from '../../src/server/app.js';
import { kmsClient, REGION } from './harness.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';

const ACQUIRE_MS = 300;

describe('a PostgreSQL node when the database cannot serve it', { timeout: 120_000 }, () => {
  let cluster: PostgresCluster;
  let dir: string;
  let url: string;
  let server: RunningLocksmith;
  let kms: KMSClient;
  let s3: S3Client;

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    dir = mkdtempSync(join(tmpdir(), 'locksmith-pg-unavailable-'));
    server = await startLocksmith({
      host: '127.0.0.1', port: 0, dataDir: dir, defaultAccount: '000000000000', defaultRegion: REGION, log: () => {},
      databaseUrl: url, databasePool: { max: 1, acquireTimeoutMs: ACQUIRE_MS },
    });
    kms = kmsClient(server.endpoint, server.rootCredentials);
    s3 = new S3Client({ endpoint: server.endpoint, region: REGION, credentials: server.rootCredentials, forcePathStyle: true, maxAttempts: 1 });
  });
  after(async () => {
    await server?.close();
    cluster?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers KMSInternalException (500) while its only connection waits on a lock, and recovers', async () => {
    const blocked = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM kms_keys WHERE key_id = $1 FOR UPDATE', [blocked]);
      const disable = kms.send(new DisableKeyCommand({ KeyId: blocked })); // holds the node's one connection, waiting
      // Until the node's transaction waits for the row lock (pg_locks shows an ungranted lock).
      while (Number((await locker.query<{ n: string }>('SELECT count(*) AS n FROM pg_locks WHERE NOT granted')).rows[0]!.n) === 0) {
        await new Promise((r) => setImmediate(r));
      }
      const started = Date.now();
      await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId: other })), (e: { name: string; $metadata: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'KMSInternalException');
        assert.equal(e.$metadata.httpStatusCode, 500);
        return true;
      });
      assert.ok(Date.now() - started < 5000, `answered after ${Date.now() - started} ms`);
      await locker.query('COMMIT');
      await disable.catch(() => undefined); // its outcome depends on when its own wait for a connection ended
    } finally {
      await locker.end();
    }
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: other }))).KeyMetadata?.KeyId, other);
  });

  it('answers 5xx while PostgreSQL is down (KMS and S3), and serves again once it is back', async () => {
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const bucket = `pg-down-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
    cluster.stop('immediate');
    try {
      await assert.rejects(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), (e: { name: string; $metadata: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'KMSInternalException');
        assert.equal(e.$metadata.httpStatusCode, 500);
        return true;
      });
      await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })), (e: { name: string; $metadata: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'InternalError');
        assert.equal(e.$metadata.httpStatusCode, 500);
        return true;
      });
    } finally {
      cluster.start();
    }
    await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString(), 'v');
  });
});
