import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { secureRandom } from '../../src/crypto/random.js';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import type { CallContext, Principal } from '../../src/domain/call-context.js';
import { awsManagedKeyPolicy, ensureAwsManagedKey } from '../../src/services/kms/aws-managed-keys.js';
import { AWS_OWNED_ACCOUNT, awsOwnedKey } from '../../src/services/kms/aws-owned-key.js';
import { decrypt } from '../../src/services/kms/decrypt.js';
import { describeKey } from '../../src/services/kms/describe-key.js';
import { generateDataKey } from '../../src/services/kms/generate-data-key.js';
import { KmsService } from '../../src/services/kms/kms-service.js';
import { listAliases } from '../../src/services/kms/list-aliases.js';
import { listKeys } from '../../src/services/kms/list-keys.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../src/util/clock.js';

/**
 * AWS managed keys created by an integrated service's first use (in-process, with kms:ViaService),
 * and the AWS owned key Locksmith's own services use for SSE-S3.
 */
describe('AWS managed keys (in-process service use) and the AWS owned key', () => {
  const A = '333333333333';
  const B = '444444444444';
  const S3 = 's3.us-east-1.amazonaws.com';
  const DAY = 24 * 60 * 60 * 1000;
  let dir: string;
  let store: Store;
  let kms: KmsService;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const root = (account: string): Principal => ({ type: 'Root', arn: `arn:aws:iam::${account}:root`, account, accessKeyId: 'AKIA0000000000000000', userId: account });
  const app: Principal = { type: 'IAMUser', arn: `arn:aws:iam::${A}:user/app`, account: A, accessKeyId: 'AKIA0000000000000001', userId: 'AIDAAPPAPPAPPAPPAPPA', userName: 'app' };
  const ctx = (p: Principal, viaService?: string, region = 'us-east-1'): CallContext => ({
    principal: p, account: p.account, region, sourceIp: '127.0.0.1', secureTransport: false, userAgent: 'test',
    viaService, requestId: 'r', clock, random: secureRandom,
  });
  const gdk = (c: CallContext, KeyId = 'alias/aws/s3') => generateDataKey({ KeyId, KeySpec: 'AES_256' }, c, kms);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-managed-'));
    store = openSqliteStore(join(dir, 'db'));
    kms = new KmsService(store, RootKeyring.fromBytes(secureRandom.bytes(32), secureRandom));
    for (const account of [A, B]) await store.credentials.ensureAccount(account, clock.now());
    // No IAM policy: the managed key's policy (Principal "*" through S3) is what lets S3 use it for the user.
    await store.iam.createUser({ account: A, userName: 'app', userId: 'AIDAAPPAPPAPPAPPAPPA', arn: app.arn, path: '/', createDate: clock.now() });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('S3-style first use creates alias/aws/s3: KeyManager AWS, AWS policy, yearly rotation', async () => {
    const out = await gdk(ctx(app, S3));
    assert.equal((out.Plaintext as Buffer).length, 32);
    const alias = await store.aliases.get(A, 'us-east-1', 'alias/aws/s3');
    assert.ok(alias);
    const key = await store.keys.get({ account: A, region: 'us-east-1', keyId: alias.targetKeyId });
    assert.ok(key);
    assert.equal(out.KeyId, key.arn);
    assert.equal(key.keyManager, 'AWS');
    assert.equal(key.origin, 'AWS_KMS');
    assert.equal(key.keySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(key.keyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(key.multiRegion, false);
    assert.deepEqual(key.lifecycle, { state: 'Enabled' });
    assert.equal(key.description, 'Default key that protects my S3 objects when no other key is defined');
    assert.deepEqual(key.rotation, { periodInDays: 365, nextRotationDate: new Date(clock.now().getTime() + 365 * DAY) });
    assert.equal(key.policy, awsManagedKeyPolicy('s3', A, 'us-east-1'));
    assert.deepEqual(JSON.parse(key.policy), {
      Version: '2012-10-17',
      Id: 'auto-s3-2',
      Statement: [
        {
          Sid: 'Allow access through S3 for all principals in the account that are authorized to use S3',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:CallerAccount': A, 'kms:ViaService': S3 } },
        },
        {
          Sid: 'Allow direct access to key metadata to the account',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:root` },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
          Resource: '*',
        },
      ],
    });
    // Decrypt through S3 works; later uses find the same key.
    const back = await decrypt({ CiphertextBlob: out.CiphertextBlob }, ctx(app, S3), kms);
    assert.deepEqual(back.Plaintext, out.Plaintext);
    assert.equal((await gdk(ctx(app, S3))).KeyId, key.arn);
    assert.equal((await ensureAwsManagedKey(kms, { account: A, region: 'us-east-1', clock, random: secureRandom }, 's3')).keyId, key.keyId);
  });

  it('concurrent first uses end with one key', async () => {
    const outs = await Promise.all([1, 2, 3].map(() => gdk(ctx(app, 'lambda.us-east-1.amazonaws.com'), 'alias/aws/lambda')));
    assert.equal(new Set(outs.map((o) => o.KeyId)).size, 1);
    const keys = (await listKeys({}, ctx(root(A)), kms)).Keys as { KeyArn: string }[];
    assert.equal(keys.filter((k) => k.KeyArn === outs[0].KeyId).length, 1);
    assert.equal(keys.length, 2);
  });

  it('is refused outside its service, to direct calls and to other accounts', async () => {
    const denied = (action: string, who: string, keyArn: string) =>
      `User: ${who} is not authorized to perform: kms:${action} on resource: ${keyArn} because no resource-based policy allows the kms:${action} action`;
    const { KeyMetadata } = (await describeKey({ KeyId: 'alias/aws/s3' }, ctx(root(A)), kms)) as { KeyMetadata: { Arn: string } };
    await assert.rejects(gdk(ctx(app)), { name: 'AccessDeniedException', message: denied('GenerateDataKey', app.arn, KeyMetadata.Arn) });
    await assert.rejects(gdk(ctx(app, 'lambda.us-east-1.amazonaws.com')), { name: 'AccessDeniedException', message: denied('GenerateDataKey', app.arn, KeyMetadata.Arn) });
    // Account B through S3, naming A's key: kms:CallerAccount does not match and no statement names B.
    await assert.rejects(gdk(ctx(root(B), S3), KeyMetadata.Arn), { name: 'AccessDeniedException', message: denied('GenerateDataKey', `arn:aws:iam::${B}:root`, KeyMetadata.Arn) });
    // A's alias ARN used from B is not created for B, and B's own alias/aws/s3 is a key of B.
    const own = await gdk(ctx(root(B), S3));
    assert.match(String(own.KeyId), new RegExp(`^arn:aws:kms:us-east-1:${B}:key/`));
  });

  it('only known service aliases are predefined', async () => {
    await assert.rejects(gdk(ctx(app, S3), 'alias/aws/nosuchservice'), {
      name: 'NotFoundException',
      message: `Alias arn:aws:kms:us-east-1:${A}:alias/aws/nosuchservice is not found.`,
    });
  });

  it('the AWS owned key works in-process and no account can see it', async () => {
    const owned = await awsOwnedKey(kms, 's3', { region: 'us-east-1', clock, random: secureRandom });
    const dataKey = secureRandom.bytes(32);
    const context = { 'aws:s3:arn': 'arn:aws:s3:::bucket/object' };
    const blob = await owned.seal(A, dataKey, context);
    assert.deepEqual(await owned.unseal(A, blob, context), dataKey);
    assert.equal(await owned.unseal(B, blob, context), undefined, 'bound to the account');
    assert.equal(await owned.unseal(A, blob, { 'aws:s3:arn': 'arn:aws:s3:::bucket/other' }), undefined, 'bound to the context');
    assert.equal((await awsOwnedKey(kms, 's3', { region: 'us-east-1', clock, random: secureRandom })).keyId, owned.keyId);
    assert.ok(await store.keys.get({ account: AWS_OWNED_ACCOUNT, region: 'us-east-1', keyId: owned.keyId }));

    for (const account of [A, B]) {
      const c = ctx(root(account));
      const keys = (await listKeys({}, c, kms)).Keys as { KeyId: string; KeyArn: string }[];
      assert.ok(keys.every((k) => k.KeyId !== owned.keyId && !k.KeyArn.includes(':aws:key/')));
      const aliases = (await listAliases({}, c, kms)).Aliases as { TargetKeyId?: string }[];
      assert.ok(aliases.every((a) => a.TargetKeyId !== owned.keyId));
      await assert.rejects(describeKey({ KeyId: owned.keyId }, c, kms), { name: 'NotFoundException' });
      // A blob naming the owned key is not a key of the customer: Decrypt never reaches the owned key.
      await assert.rejects(decrypt({ CiphertextBlob: blob }, c, kms), { name: 'AccessDeniedException' });
    }
  });
});
