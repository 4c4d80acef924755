import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveAccessKey } from '../../src/auth/credentials.js';
import { secureRandom } from '../../src/crypto/random.js';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import { openCiphertext, parseCiphertext, sealCiphertext } from '../../src/domain/ciphertext.js';
import { defaultKeyPolicy } from '../../src/domain/key-policy.js';
import { KmsService } from '../../src/services/kms/kms-service.js';
import { applySeed, formatSeedReport, seedChanges, type SeedReport } from '../../src/seed/apply-seed.js';
import { loadSeedFile } from '../../src/seed/load-seed.js';
import { seededGrantId, seededKeyMaterialId } from '../../src/seed/seed-ids.js';
import { SeedConflictError, validateSeed } from '../../src/seed/seed-schema.js';
import type { Seed } from '../../src/seed/seed-types.js';
import type { Store } from '../../src/store/ports.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { createKey } from '../contract/fixtures.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/seed-two-accounts.yaml');
const ALPHA = '111111111111';
const BETA = '222222222222';
const APP_KEY = '11111111-2222-3333-4444-555555555555';
const APP_MATERIAL = Buffer.from('HSF9p8Pd3oEWMr6Z2U1oygN05M/6ibUtBiRXRGdsBtk=', 'base64');
const REGION = 'us-east-1';
const IV = Buffer.alloc(12, 0x5a);

interface Env {
  dir: string;
  store: Store;
  keyring: RootKeyring;
  clock: ManualClock;
  apply(seed: Seed): Promise<SeedReport>;
  close(): Promise<void>;
}

/** A fresh SQLite file and root key of its own. */
function env(): Env {
  const dir = mkdtempSync(join(tmpdir(), 'locksmith-seed-'));
  const store = openSqliteStore(join(dir, 'locksmith.db'));
  const keyring = RootKeyring.fromBytes(randomBytes(32), secureRandom);
  const clock = new ManualClock(new Date('2024-05-01T00:00:00Z'));
  return {
    dir,
    store,
    keyring,
    clock,
    apply: (seed) => applySeed(store, keyring, secureRandom, clock, seed),
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const created = (r: SeedReport) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'warnings').map(([k, c]) => [k, c.created]));

describe('applySeed: the two-account fixture', () => {
  const seed = loadSeedFile(FIXTURE);
  let e: Env;
  let first: SeedReport;
  before(async () => {
    e = env();
    first = await e.apply(seed);
  });
  after(() => e.close());

  it('creates everything on the first run', () => {
    assert.deepEqual(created(first), { accounts: 2, accessKeys: 5, users: 3, roles: 1, policies: 3, keys: 3, aliases: 3, grants: 2 });
    assert.deepEqual(first.warnings, []);
    assert.match(formatSeedReport(first), /^Seed applied: accounts 2 \(2 created\); access keys 5 \(5 created\);.*KMS keys 3 \(3 created\)/);
  });

  it('stores access keys with the given secrets, readable by SigV4 resolution', async () => {
    const root = await e.store.credentials.getAccessKey('AKIAALPHAROOT0000001');
    assert.equal(root?.principalType, 'Root');
    assert.equal((await resolveAccessKey(e.store, e.keyring, 'AKIAALPHAROOT0000001'))?.secretAccessKey, 'alpha-root-secret');
    const alice = await resolveAccessKey(e.store, e.keyring, 'AKIAALICE00000000001');
    const user = await e.store.iam.getUser(ALPHA, 'alice');
    assert.equal(alice?.secretAccessKey, 'alice-secret');
    assert.equal(alice?.principal.arn, `arn:aws:iam::${ALPHA}:user/alice`);
    assert.equal(alice?.principal.userId, user?.userId);
    assert.match(user!.userId, /^AIDA[A-Z2-7]{17}$/);
    assert.equal((await resolveAccessKey(e.store, e.keyring, 'AKIABOB0000000000001'))?.principal.account, BETA);
  });

  it('creates roles with their trust policies and inline policies', async () => {
    const role = await e.store.iam.getRole(ALPHA, 'app');
    assert.equal(role?.arn, `arn:aws:iam::${ALPHA}:role/app`);
    assert.equal(role?.description, 'application role');
    assert.deepEqual(JSON.parse(role!.assumeRolePolicyDocument).Statement[0].Action, 'sts:AssumeRole');
    assert.deepEqual(await e.store.iam.listInlinePolicies(ALPHA, 'role', 'app'), ['describe']);
    assert.deepEqual(await e.store.iam.listInlinePolicies(ALPHA, 'user', 'alice'), ['kms-use']);
    const bob = await e.store.iam.getInlinePolicy(BETA, 'user', 'bob', 'kms-all');
    assert.equal(bob, '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}');
  });

  it('creates keys with the given ids, material, policies, aliases and tags', async () => {
    const key = await e.store.keys.get({ account: ALPHA, region: REGION, keyId: APP_KEY });
    assert.equal(key?.arn, `arn:aws:kms:${REGION}:${ALPHA}:key/${APP_KEY}`);
    assert.equal(key?.currentKeyMaterialId, seededKeyMaterialId(APP_MATERIAL));
    assert.equal(key?.lifecycle.state, 'Enabled');
    assert.equal(key?.multiRegion, false);
    assert.equal(JSON.parse(key!.policy).Statement[1].Principal.AWS, `arn:aws:iam::${BETA}:root`);
    assert.deepEqual(await new KmsService(e.store, e.keyring).material(key!, key!.currentKeyMaterialId!), APP_MATERIAL);
    assert.deepEqual(await e.store.tags.get(key!), { team: 'blue', env: 'test' });
    assert.equal((await e.store.aliases.get(ALPHA, REGION, 'alias/app'))?.targetKeyId, APP_KEY);
    const scratch = await e.store.keys.get({ account: ALPHA, region: REGION, keyId: '11111111-2222-3333-4444-666666666666' });
    assert.equal(scratch?.policy, defaultKeyPolicy(ALPHA));
    assert.match(scratch!.currentKeyMaterialId!, /^[0-9a-f]{64}$/);
    assert.notEqual(scratch!.currentKeyMaterialId, seededKeyMaterialId(APP_MATERIAL));
  });

  it('creates grants with ids derived from the seed entry', async () => {
    const ref = { account: ALPHA, region: REGION, keyId: APP_KEY };
    const grants = (await e.store.grants.list(ref, 100)).items;
    assert.equal(grants.length, 2);
    const app = await e.store.grants.get(ref, seededGrantId(ALPHA, seed.accounts[0].grants[0]));
    assert.equal(app?.name, 'app-decrypt');
    // Bound to the seeded role's unique id, as CreateGrant stores it (principal-binding.ts).
    assert.equal(app?.granteePrincipal, (await e.store.iam.getRole(ALPHA, 'app'))?.roleId);
    assert.deepEqual(app?.operations, ['Decrypt']);
    assert.equal(app?.issuingAccount, `arn:aws:iam::${ALPHA}:root`);
    const auditor = await e.store.grants.get(ref, seededGrantId(ALPHA, seed.accounts[0].grants[1]));
    assert.deepEqual(auditor?.constraints, { EncryptionContextSubset: { purpose: 'audit' } });
    assert.equal(auditor?.retiringPrincipal, `arn:aws:iam::${ALPHA}:root`);
  });

  it('changes nothing when applied again, and keys created in between survive', async () => {
    const extra = await createKey(e.store, ALPHA, REGION);
    e.clock.advance(60_000);
    const again = await e.apply(loadSeedFile(FIXTURE));
    assert.equal(seedChanges(again), 0, formatSeedReport(again));
    assert.deepEqual(again.keys, { created: 0, updated: 0, unchanged: 3 });
    assert.deepEqual(again.grants, { created: 0, updated: 0, unchanged: 2 });
    assert.ok(await e.store.keys.get(extra));
    assert.equal((await e.store.keys.list(ALPHA, REGION, 100)).items.length, 3);
    assert.equal((await e.store.grants.list({ account: ALPHA, region: REGION, keyId: APP_KEY }, 100)).items.length, 2);
    const key = await e.store.keys.get({ account: ALPHA, region: REGION, keyId: APP_KEY });
    assert.equal(key?.creationDate.toISOString(), '2024-05-01T00:00:00.000Z');
  });

  it('keeps no secret or key material in plaintext in the database', async () => {
    const files = ['locksmith.db', 'locksmith.db-wal'].map((f) => join(e.dir, f)).filter(existsSync);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    for (const secret of ['alpha-root-secret', 'alice-secret', 'bob-secret']) assert.equal(bytes.indexOf(secret), -1, secret);
    assert.equal(bytes.indexOf(APP_MATERIAL), -1);
  });
});

describe('applySeed: reproducible ciphertexts', () => {
  it('two stores with different root keys seal identically and open each other\'s ciphertexts', async () => {
    const [a, b] = [env(), env()];
    try {
      await a.apply(loadSeedFile(FIXTURE));
      await b.apply(loadSeedFile(FIXTURE));
      const ref = { account: ALPHA, region: REGION, keyId: APP_KEY };
      const [keyA, keyB] = [await a.store.keys.get(ref), await b.store.keys.get(ref)];
      // Same material, wrapped differently under each root key.
      assert.notDeepEqual((await a.store.keys.getMaterial(ref, keyA!.currentKeyMaterialId!))!.wrapped, (await b.store.keys.getMaterial(ref, keyB!.currentKeyMaterialId!))!.wrapped);
      const materialA = (await new KmsService(a.store, a.keyring).material(keyA!, keyA!.currentKeyMaterialId!))!;
      const materialB = (await new KmsService(b.store, b.keyring).material(keyB!, keyB!.currentKeyMaterialId!))!;
      const header = { account: ALPHA, keyId: APP_KEY, keyMaterialId: keyA!.currentKeyMaterialId! };
      const context = { purpose: 'test' };
      const blobA = sealCiphertext(header, materialA, Buffer.from('hello from A'), context, IV);
      const blobB = sealCiphertext({ ...header, keyMaterialId: keyB!.currentKeyMaterialId! }, materialB, Buffer.from('hello from A'), context, IV);
      assert.deepEqual(blobA, blobB, 'same seed, same IV: byte-identical ciphertexts');
      const fromB = sealCiphertext(header, materialB, Buffer.from('hello from B'), context, randomBytes(12));
      // Each side finds the material a blob names by its id, then opens it.
      for (const [blob, store, keyring, text] of [[blobA, b.store, b.keyring, 'hello from A'], [fromB, a.store, a.keyring, 'hello from B']] as const) {
        const parsed = parseCiphertext(blob)!;
        const key = await store.keys.get({ account: parsed.account, region: REGION, keyId: parsed.keyId });
        const material = await new KmsService(store, keyring).material(key!, parsed.keyMaterialId);
        assert.equal(openCiphertext(parsed, material!, context)?.toString(), text);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('derives the material id the same way in every version (frozen)', () => {
    // Changing this breaks ciphertexts made under seeded keys by earlier Locksmith versions.
    assert.equal(seededKeyMaterialId(APP_MATERIAL), seededKeyMaterialId(Buffer.from(APP_MATERIAL)));
    assert.equal(seededKeyMaterialId(APP_MATERIAL), FROZEN_APP_MATERIAL_ID);
  });
});

const FROZEN_APP_MATERIAL_ID = '3c4d36f825bb4bae66e08e161e706611c3a56a501c2faa194e2621181b797e10';

describe('applySeed: updates and conflicts', () => {
  const KEY = '33333333-2222-3333-4444-555555555555';
  const base = (extra: object = {}) => ({
    accounts: [{
      id: ALPHA,
      rootAccessKeys: [{ accessKeyId: 'AKIAROOT000000000001', secretAccessKey: 'one' }],
      users: [{ name: 'carol', accessKeys: [{ accessKeyId: 'AKIACAROL00000000001', secretAccessKey: 'carol-1' }], policies: [{ name: 'p', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }] } }] }],
      roles: [{ name: 'r', trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALPHA}:root` }, Action: 'sts:AssumeRole' }] } }],
      keys: [{ id: KEY, region: REGION, material: Buffer.alloc(32, 1).toString('base64'), aliases: ['alias/k'] }],
      ...extra,
    }],
  });

  it('replaces changed secrets, trust policies and inline policies, keeping what else exists', async () => {
    const e = env();
    try {
      await e.apply(validateSeed(base()));
      const before = await e.store.credentials.getAccessKey('AKIACAROL00000000001');
      const changed = base();
      changed.accounts[0].users[0].accessKeys[0].secretAccessKey = 'carol-2';
      changed.accounts[0].users[0].policies[0].document.Statement[0].Action = 'kms:Decrypt';
      changed.accounts[0].roles[0].trustPolicy.Statement[0].Principal.AWS = `arn:aws:iam::${BETA}:root`;
      const r = await e.apply(validateSeed(changed));
      assert.deepEqual([r.accessKeys.updated, r.policies.updated, r.roles.updated, seedChanges(r)], [1, 1, 1, 3]);
      assert.equal((await resolveAccessKey(e.store, e.keyring, 'AKIACAROL00000000001'))?.secretAccessKey, 'carol-2');
      assert.equal((await e.store.credentials.getAccessKey('AKIACAROL00000000001'))?.createdAt.getTime(), before!.createdAt.getTime());
      assert.match((await e.store.iam.getInlinePolicy(ALPHA, 'user', 'carol', 'p'))!, /kms:Decrypt/);
      assert.match((await e.store.iam.getRole(ALPHA, 'r'))!.assumeRolePolicyDocument, new RegExp(BETA));
    } finally {
      await e.close();
    }
  });

  it('refuses different material for an existing key, before writing anything', async () => {
    const e = env();
    try {
      await e.apply(validateSeed(base()));
      const changed = base({ users: [{ name: 'dave' }] });
      changed.accounts[0].keys[0].material = Buffer.alloc(32, 2).toString('base64');
      await assert.rejects(e.apply(validateSeed(changed)), (err: SeedConflictError) => {
        assert.ok(err instanceof SeedConflictError);
        assert.equal(err.issues[0].path, 'accounts[0].keys[0].material');
        assert.match(err.message, /^seed conflicts with stored data:\n {2}accounts\[0\]\.keys\[0\]\.material: key arn:aws:kms:us-east-1:111111111111:key\/33333333-.* already exists with different key material/);
        return true;
      });
      assert.equal(await e.store.iam.getUser(ALPHA, 'dave'), undefined, 'nothing was written');
      // A key created with random material cannot later be given seeded material either.
      const random = base({ keys: [{ id: KEY, region: REGION }] });
      const other = env();
      try {
        await other.apply(validateSeed(random));
        await assert.rejects(other.apply(validateSeed(base())), SeedConflictError);
      } finally {
        await other.close();
      }
    } finally {
      await e.close();
    }
  });

  it('refuses an access key id that belongs to another principal', async () => {
    const e = env();
    try {
      await e.apply(validateSeed(base()));
      const moved = base({ rootAccessKeys: [{ accessKeyId: 'AKIACAROL00000000001', secretAccessKey: 'x' }], users: [] });
      await assert.rejects(e.apply(validateSeed(moved)), (err: SeedConflictError) => {
        assert.equal(err.issues[0].path, 'accounts[0].rootAccessKeys[0].accessKeyId');
        assert.match(err.issues[0].message, /belongs to arn:aws:iam::111111111111:user\/carol, not arn:aws:iam::111111111111:root/);
        return true;
      });
    } finally {
      await e.close();
    }
  });

  it('leaves an existing key, alias and grant as they are', async () => {
    const e = env();
    try {
      await e.apply(validateSeed(base()));
      const ref = { account: ALPHA, region: REGION, keyId: KEY };
      const key = (await e.store.keys.get(ref))!;
      await e.store.keys.update({ ...key, description: 'changed by API', lifecycle: { state: 'Disabled' } });
      const other = await createKey(e.store, ALPHA, REGION);
      await e.store.aliases.update({ ...(await e.store.aliases.get(ALPHA, REGION, 'alias/k'))!, targetKeyId: other.keyId });
      const r = await e.apply(validateSeed(base({ keys: [{ id: KEY, region: REGION, description: 'seeded', aliases: ['alias/k'] }] })));
      assert.equal(seedChanges(r), 0);
      assert.deepEqual(r.warnings, [`alias/k in account ${ALPHA} ${REGION} points to key ${other.keyId}, not the seeded key ${KEY}; left unchanged`]);
      const after = (await e.store.keys.get(ref))!;
      assert.equal(after.description, 'changed by API');
      assert.equal(after.lifecycle.state, 'Disabled');
    } finally {
      await e.close();
    }
  });

  it('tolerates two starts seeding the same store at the same moment', async () => {
    const e = env();
    try {
      const seed = loadSeedFile(FIXTURE);
      const [r1, r2] = await Promise.all([e.apply(seed), e.apply(seed)]);
      const both = (k: 'users' | 'keys' | 'grants' | 'accessKeys') => [r1[k].created + r2[k].created, r1[k].unchanged + r2[k].unchanged];
      assert.deepEqual([both('users'), both('keys'), both('grants'), both('accessKeys')], [[3, 3], [3, 3], [2, 2], [5, 5]]);
      assert.equal((await e.store.keys.list(ALPHA, REGION, 100)).items.length, 2);
    } finally {
      await e.close();
    }
  });

  it('gives mrk- keys the Multi-Region flag', async () => {
    const e = env();
    try {
      const id = 'mrk-' + '0123456789abcdef'.repeat(2);
      await e.apply(validateSeed({ accounts: [{ id: ALPHA, keys: [{ id, region: 'eu-west-1' }] }] }));
      assert.equal((await e.store.keys.get({ account: ALPHA, region: 'eu-west-1', keyId: id }))?.multiRegion, true);
    } finally {
      await e.close();
    }
  });
});
