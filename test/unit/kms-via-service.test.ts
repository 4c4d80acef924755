import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { secureRandom } from '../../src/crypto/random.js';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import type { CallContext, Principal } from '../../src/domain/call-context.js';
import { createKey } from '../../src/services/kms/create-key.js';
import { generateDataKey } from '../../src/services/kms/generate-data-key.js';
import { KmsService } from '../../src/services/kms/kms-service.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../src/util/clock.js';

/**
 * kms:ViaService: integrated services (S3 and later ones) call KMS in-process on a principal's
 * behalf with `ctx.viaService` set; a policy can require it (KMS Developer Guide, "kms:ViaService").
 */
describe('kms:ViaService condition', () => {
  const ACCOUNT = '333333333333';
  let dir: string;
  let store: Store;
  let kms: KmsService;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const principal = (p: Partial<Principal>): Principal => ({ type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, account: ACCOUNT, accessKeyId: 'AKIA0000000000000000', userId: ACCOUNT, ...p });
  const ctx = (p: Principal, viaService?: string): CallContext => ({
    principal: p, account: ACCOUNT, region: 'us-east-1', sourceIp: '127.0.0.1', secureTransport: false, userAgent: 'test',
    viaService, requestId: 'r', clock, random: secureRandom,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-via-'));
    store = openSqliteStore(join(dir, 'db'));
    kms = new KmsService(store, RootKeyring.fromBytes(secureRandom.bytes(32), secureRandom));
    await store.credentials.ensureAccount(ACCOUNT, clock.now());
    await store.iam.createUser({ account: ACCOUNT, userName: 'app', userId: 'AIDAAPPAPPAPPAPPAPPA', arn: `arn:aws:iam::${ACCOUNT}:user/app`, path: '/', createDate: clock.now() });
    await store.iam.putInlinePolicy(ACCOUNT, 'user', 'app', {
      name: 'via-s3',
      document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } }] }),
    });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('allows the call only when it arrives through the named service', async () => {
    const root = ctx(principal({}));
    const key = (await createKey({}, root, kms)).KeyMetadata as { KeyId: string };
    const app = principal({ type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/app`, userName: 'app', userId: 'AIDAAPPAPPAPPAPPAPPA' });
    await assert.rejects(generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }, ctx(app), kms), { name: 'AccessDeniedException' });
    await assert.rejects(generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }, ctx(app, 'lambda.us-east-1.amazonaws.com'), kms), { name: 'AccessDeniedException' });
    const out = await generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }, ctx(app, 's3.us-east-1.amazonaws.com'), kms);
    assert.equal((out.Plaintext as Buffer).length, 32);
  });
});
