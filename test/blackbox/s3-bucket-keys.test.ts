/**
 * S3 Bucket Keys (S3 User Guide, "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys"): a
 * bucket-level key from GenerateDataKey as the caller (context = the bucket ARN), reused per
 * requester and KMS key for a bounded time, per-object keys derived without KMS — counted in the
 * audit trail — and dropped at once when the key is disabled, scheduled for deletion, or its
 * policy or grants change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  CancelKeyDeletionCommand, CreateGrantCommand, CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, PutKeyPolicyCommand, RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { storedRows } from './audit-helpers.js';
import { ACCOUNT, Harness, s3Client } from './harness.js';
import { DEFAULT_BUCKET_KEY_TTL_MS } from '../../src/services/s3/sse/bucket-key-cache.js';

const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const ALICE = { accessKeyId: 'AKIABUCKETKEYALICE01', secretAccessKey: 'alice-secret' };
const BOB = { accessKeyId: 'AKIABUCKETKEYBOB0001', secretAccessKey: 'bob-secret' };
const CAROL = { accessKeyId: 'AKIABUCKETKEYCAROL01', secretAccessKey: 'carol-secret' };
const S3_AND_KMS = doc({ Effect: 'Allow', Action: ['s3:*', 'kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*' });
const SEED = {
  accounts: [{
    id: ACCOUNT,
    users: [
      { name: 'alice', accessKeys: [ALICE], policies: [{ name: 'p', document: S3_AND_KMS }] },
      { name: 'bob', accessKeys: [BOB], policies: [{ name: 'p', document: S3_AND_KMS }] },
      // carol may use S3 but gets KMS only through a grant.
      { name: 'carol', accessKeys: [CAROL], policies: [{ name: 'p', document: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }] },
    ],
  }],
};
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const rootPolicy = (...extra: object[]) => JSON.stringify(doc(
  { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
  ...extra,
));

async function s3Failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  assert.fail('expected the request to fail');
}

describe('S3 Bucket Keys', () => {
  let h: Harness;
  let alice: S3Client;
  let bob: S3Client;
  let carol: S3Client;
  let keyArn: string;
  /** KMS calls S3 made for `principal` (by event name), counted in the audit trail. */
  const kmsCalls = (eventName: string, principal: string) =>
    storedRows(h.dataDir).map((r) => r.record).filter((r) => r.eventSource === 'kms.amazonaws.com' && r.eventName === eventName && r.userIdentity?.arn === userArn(principal));
  const put = (c: S3Client, Key: string, extra: Record<string, unknown> = {}) => c.send(new PutObjectCommand({ Bucket: 'bkeys', Key, Body: `body of ${Key}`, ...extra }));
  const get = async (c: S3Client, Key: string) => (await c.send(new GetObjectCommand({ Bucket: 'bkeys', Key }))).Body!.transformToString();
  async function putMany(c: S3Client, n: number, prefix: string, extra: Record<string, unknown> = {}) {
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < n) await put(c, `${prefix}/${next++}`, extra);
    }));
  }

  before(async () => {
    h = await Harness.start({ seed: SEED });
    alice = s3Client(h, ALICE);
    bob = s3Client(h, BOB);
    carol = s3Client(h, CAROL);
    keyArn = (await h.kms.send(new CreateKeyCommand({ Description: 'bucket keys' }))).KeyMetadata!.Arn!;
    await alice.send(new CreateBucketCommand({ Bucket: 'bkeys' }));
    await alice.send(new PutBucketEncryptionCommand({
      Bucket: 'bkeys',
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }] },
    }));
  });
  after(() => h.stop());

  it('1,000 PUTs by one principal cost at most 10 GenerateDataKey calls, under the bucket ARN, as the caller via S3', async () => {
    const before = kmsCalls('GenerateDataKey', 'alice').length;
    await putMany(alice, 1000, 'many');
    const calls = kmsCalls('GenerateDataKey', 'alice').slice(before);
    assert.ok(calls.length >= 1 && calls.length <= 10, `GenerateDataKey calls: ${calls.length}`);
    for (const r of calls) {
      assert.deepEqual(r.requestParameters.encryptionContext, { 'aws:s3:arn': 'arn:aws:s3:::bkeys' });
      assert.equal(r.userIdentity.invokedBy, 's3.amazonaws.com');
      assert.equal(r.resources?.[0]?.ARN, keyArn);
    }
    for (const i of [0, 499, 999]) assert.equal(await get(alice, `many/${i}`), `body of many/${i}`);
  });

  it('the request header turns Bucket Keys off: then every PUT calls KMS (~1,000 for 1,000)', async () => {
    const before = kmsCalls('GenerateDataKey', 'alice').length;
    await putMany(alice, 1000, 'off', { BucketKeyEnabled: false });
    const calls = kmsCalls('GenerateDataKey', 'alice').length - before;
    assert.ok(calls >= 990 && calls <= 1000, `GenerateDataKey calls: ${calls}`);
    const head = await alice.send(new HeadObjectCommand({ Bucket: 'bkeys', Key: 'off/7' }));
    assert.equal(head.BucketKeyEnabled, undefined, 'omitted when false');
    assert.equal(head.ServerSideEncryption, 'aws:kms');
  });

  it('objects record the bucket key: responses say BucketKeyEnabled; the header can turn it on over a bucket without it', async () => {
    const p = await put(alice, 'echo');
    assert.equal(p.BucketKeyEnabled, true);
    assert.equal(p.SSEKMSKeyId, keyArn);
    const head = await alice.send(new HeadObjectCommand({ Bucket: 'bkeys', Key: 'echo' }));
    assert.equal(head.BucketKeyEnabled, true);
    await alice.send(new CreateBucketCommand({ Bucket: 'plain' }));
    const on = await alice.send(new PutObjectCommand({ Bucket: 'plain', Key: 'x', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn, BucketKeyEnabled: true }));
    assert.equal(on.BucketKeyEnabled, true);
    assert.equal(await (await alice.send(new GetObjectCommand({ Bucket: 'plain', Key: 'x' }))).Body!.transformToString(), 'x');
  });

  it('cached per requester: another principal gets its own bucket key; reads Decrypt once per principal', async () => {
    const gdk = kmsCalls('GenerateDataKey', 'bob').length;
    await put(bob, 'bob/1');
    await put(bob, 'bob/2');
    assert.equal(kmsCalls('GenerateDataKey', 'bob').length - gdk, 1);
    const dec = kmsCalls('Decrypt', 'bob').length;
    for (let i = 0; i < 20; i++) assert.equal(await get(bob, `many/${i}`), `body of many/${i}`);
    assert.ok(kmsCalls('Decrypt', 'bob').length - dec <= 2, 'bob decrypts the bucket key, not each object key');
  });

  it('the bucket key expires after its TTL', async () => {
    await put(alice, 'ttl/0');
    const before = kmsCalls('GenerateDataKey', 'alice').length;
    await put(alice, 'ttl/1');
    assert.equal(kmsCalls('GenerateDataKey', 'alice').length, before);
    h.advance(DEFAULT_BUCKET_KEY_TTL_MS);
    alice = s3Client(h, ALICE);
    await put(alice, 'ttl/2');
    assert.equal(kmsCalls('GenerateDataKey', 'alice').length, before + 1);
  });

  it('DisableKey breaks the next PUT and GET although the bucket key is cached; EnableKey restores both', async () => {
    await put(alice, 'dis/0');
    assert.equal(await get(alice, 'dis/0'), 'body of dis/0'); // both caches warm
    await h.kms.send(new DisableKeyCommand({ KeyId: keyArn }));
    try {
      const w = await s3Failure(put(alice, 'dis/1'));
      assert.equal(w.name, 'KMS.DisabledException');
      assert.equal(w.status, 400);
      const r = await s3Failure(get(alice, 'dis/0'));
      assert.equal(r.name, 'KMS.DisabledException');
    } finally {
      await h.kms.send(new EnableKeyCommand({ KeyId: keyArn }));
    }
    await put(alice, 'dis/2');
    assert.equal(await get(alice, 'dis/0'), 'body of dis/0');
  });

  it('ScheduleKeyDeletion breaks them at once too', async () => {
    await put(alice, 'del/0');
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 }));
    try {
      assert.equal((await s3Failure(put(alice, 'del/1'))).name, 'KMS.KMSInvalidStateException');
      assert.equal((await s3Failure(get(alice, 'del/0'))).name, 'KMS.KMSInvalidStateException');
    } finally {
      await h.kms.send(new CancelKeyDeletionCommand({ KeyId: keyArn }));
      await h.kms.send(new EnableKeyCommand({ KeyId: keyArn }));
    }
    assert.equal(await get(alice, 'del/0'), 'body of del/0');
  });

  it('a key policy change drops the cached bucket key: a Deny for the caller applies to the next PUT and GET', async () => {
    await put(alice, 'pol/0');
    assert.equal(await get(alice, 'pol/0'), 'body of pol/0');
    await h.kms.send(new PutKeyPolicyCommand({
      KeyId: keyArn, PolicyName: 'default',
      Policy: rootPolicy({ Effect: 'Deny', Principal: { AWS: userArn('alice') }, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*' }),
    }));
    try {
      const w = await s3Failure(put(alice, 'pol/1'));
      assert.equal(w.name, 'AccessDenied');
      assert.equal(w.status, 403);
      assert.match(w.message, /kms:GenerateDataKey/);
      assert.match((await s3Failure(get(alice, 'pol/0'))).message, /kms:Decrypt/);
    } finally {
      await h.kms.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: rootPolicy() }));
    }
    assert.equal(await get(alice, 'pol/0'), 'body of pol/0');
  });

  it('a revoked grant stops a grantee at once', async () => {
    const { GrantId } = await h.kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: userArn('carol'), Operations: ['GenerateDataKey', 'Decrypt'] }));
    await put(carol, 'grant/0');
    await put(carol, 'grant/1');
    assert.equal(await (await carol.send(new GetObjectCommand({ Bucket: 'bkeys', Key: 'grant/0' }))).Body!.transformToString(), 'body of grant/0');
    await h.kms.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: GrantId! }));
    assert.equal((await s3Failure(put(carol, 'grant/2'))).name, 'AccessDenied');
    assert.equal((await s3Failure(carol.send(new GetObjectCommand({ Bucket: 'bkeys', Key: 'grant/0' })))).name, 'AccessDenied');
  });
});

describe('serve --s3-bucket-key-ttl', () => {
  it('refuses a malformed duration; 0s turns reuse off (every PUT asks KMS)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { rootCredentials, spawnServer } = await import('../reliability/lib/server-process.js');
    const bad = mkdtempSync(join(tmpdir(), 'locksmith-bkttl-'));
    try {
      await assert.rejects(spawnServer(bad, { serveArgs: ['--s3-bucket-key-ttl', 'soon'] }), /--s3-bucket-key-ttl: invalid duration 'soon'/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-bkttl-'));
    const server = await spawnServer(dataDir, { serveArgs: ['--s3-bucket-key-ttl', '0s'] });
    try {
      const credentials = rootCredentials(dataDir);
      const s3 = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', credentials, forcePathStyle: true, maxAttempts: 1 });
      await s3.send(new CreateBucketCommand({ Bucket: 'ttl0' }));
      for (let i = 0; i < 5; i++) {
        const r = await s3.send(new PutObjectCommand({ Bucket: 'ttl0', Key: `k${i}`, Body: 'x', ServerSideEncryption: 'aws:kms', BucketKeyEnabled: true }));
        assert.equal(r.BucketKeyEnabled, true);
      }
      const calls = storedRows(dataDir).filter((r) => r.record.eventSource === 'kms.amazonaws.com' && r.record.eventName === 'GenerateDataKey').length;
      assert.equal(calls, 5);
    } finally {
      await server.stop('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
