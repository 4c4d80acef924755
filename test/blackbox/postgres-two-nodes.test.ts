/**
 * Two `locksmith serve` processes on one PostgreSQL database, one root key and one shared object
 * directory: whatever is written through one node is served by the other, with the real AWS SDK.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EncryptCommand,
  EnableKeyCommand, ListGrantsCommand, type KMSClient,
} from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3Client as S3 } from '@aws-sdk/client-s3';
import { kmsClient, REGION } from './harness.js';
import { rootCredentials, spawnServer, type ServerProcess } from '../reliability/lib/server-process.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';

describe('two nodes on one PostgreSQL database', () => {
  let cluster: PostgresCluster;
  let dir: string;
  let url: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let kmsA: KMSClient;
  let kmsB: KMSClient;
  const s3 = (endpoint: string): S3Client =>
    new S3({ endpoint, region: REGION, credentials: rootCredentials(join(dir, 'a')), forcePathStyle: true, maxAttempts: 1 });

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    dir = mkdtempSync(join(tmpdir(), 'locksmith-two-nodes-'));
    const serveArgs = ['--database-url', url, '--object-dir', join(dir, 'objects'), '--tls-port', 'off'];
    // Node A generates the root key into its data directory; node B is given the same one.
    a = await spawnServer(join(dir, 'a'), { serveArgs });
    b = await spawnServer(join(dir, 'b'), { serveArgs, env: { LOCKSMITH_ROOT_KEY_FILE: join(dir, 'a', 'root-key') } });
    const credentials = rootCredentials(join(dir, 'a'));
    kmsA = kmsClient(a.endpoint, credentials);
    kmsB = kmsClient(b.endpoint, credentials);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    cluster?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shares one account: node B answers with the credentials node A created', () => {
    assert.deepEqual(rootCredentials(join(dir, 'b')), rootCredentials(join(dir, 'a')));
  });

  it('decrypts on B what A encrypted under a key created on A', async () => {
    const { KeyMetadata } = await kmsA.send(new CreateKeyCommand({ Description: 'two nodes' }));
    const context = { app: 'two-nodes' };
    const { CiphertextBlob } = await kmsA.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('across nodes'), EncryptionContext: context }));
    const out = await kmsB.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
    assert.equal(Buffer.from(out.Plaintext!).toString(), 'across nodes');
    assert.equal(out.KeyId, KeyMetadata!.Arn);
  });

  it('honours on A a key disabled through B, on the next request', async () => {
    const { KeyMetadata } = await kmsA.send(new CreateKeyCommand({}));
    const keyId = KeyMetadata!.KeyId!;
    await kmsA.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })); // A has the key cached now
    await kmsB.send(new DisableKeyCommand({ KeyId: keyId }));
    await assert.rejects(kmsA.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), { name: 'DisabledException' });
    await kmsB.send(new EnableKeyCommand({ KeyId: keyId }));
    await kmsA.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
  });

  it('sees on A an alias and a grant created on B', async () => {
    const { KeyMetadata } = await kmsB.send(new CreateKeyCommand({}));
    const aliasName = `alias/two-nodes-${Date.now()}`;
    await kmsB.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: KeyMetadata!.KeyId }));
    const { GrantId } = await kmsB.send(new CreateGrantCommand({
      KeyId: KeyMetadata!.KeyId, GranteePrincipal: `arn:aws:iam::000000000000:root`, Operations: ['Decrypt'],
    }));
    assert.equal((await kmsA.send(new DescribeKeyCommand({ KeyId: aliasName }))).KeyMetadata?.KeyId, KeyMetadata!.KeyId);
    const { Grants } = await kmsA.send(new ListGrantsCommand({ KeyId: KeyMetadata!.KeyId }));
    assert.deepEqual(Grants?.map((g) => g.GrantId), [GrantId]);
  });

  it('serves from B an S3 object PUT through A (shared object directory)', async () => {
    const bucket = `two-nodes-${Date.now()}`;
    await s3(a.endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
    await s3(a.endpoint).send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/obj.txt', Body: 'object bytes on node A', ContentType: 'text/plain' }));
    const got = await s3(b.endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/obj.txt' }));
    assert.equal(await got.Body!.transformToString(), 'object bytes on node A');
    assert.equal(got.ContentType, 'text/plain');
  });

  it('refuses to start a node whose root key is not the one the database was written with', async () => {
    await assert.rejects(spawnServer(join(dir, 'c'), { serveArgs: ['--database-url', url, '--tls-port', 'off'] }), /belongs to another root key/);
  });
});
