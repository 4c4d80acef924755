/**
 * PostgreSQL text cannot hold U+0000 (SQLite's can). A KMS or IAM value carrying one is refused
 * with a 400 ValidationException naming the cause — never a 500 — and nothing is stored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, ListKeysCommand, TagResourceCommand, type KMSClient } from '@aws-sdk/client-kms';
import { startLocksmith, type RunningLocksmith } from '../../src/server/app.js';
import { kmsClient, REGION } from './harness.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';

describe('PostgreSQL store: NUL characters in stored text', { timeout: 120_000 }, () => {
  let cluster: PostgresCluster;
  let dir: string;
  let server: RunningLocksmith;
  let kms: KMSClient;

  before(async () => {
    cluster = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'locksmith-pg-nul-'));
    server = await startLocksmith({
      host: '127.0.0.1', port: 0, dataDir: dir, defaultAccount: '000000000000', defaultRegion: REGION, log: () => {},
      databaseUrl: await cluster.createDatabase(),
    });
    kms = kmsClient(server.endpoint, server.rootCredentials);
  });
  after(async () => {
    await server?.close();
    cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('CreateKey with a NUL in Description is a 400 ValidationException and creates no key', async () => {
    const before = (await kms.send(new ListKeysCommand({}))).Keys?.length ?? 0;
    const err = await kms.send(new CreateKeyCommand({ Description: 'a\u0000b' })).then(() => undefined, (e: unknown) => e as { name: string; $metadata: { httpStatusCode?: number }; message: string });
    assert.ok(err, 'CreateKey must be refused');
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.match(err.message, /U\+0000/);
    assert.equal((await kms.send(new ListKeysCommand({}))).Keys?.length ?? 0, before);
  });

  it('TagResource with a NUL in a tag value is a 400 ValidationException', async () => {
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const err = await kms.send(new TagResourceCommand({ KeyId: key, Tags: [{ TagKey: 'k', TagValue: 'x\u0000' }] })).then(() => undefined, (e: unknown) => e as { name: string; $metadata: { httpStatusCode?: number } });
    assert.ok(err, 'TagResource must be refused');
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.$metadata.httpStatusCode, 400);
  });
});
