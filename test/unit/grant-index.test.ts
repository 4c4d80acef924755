/**
 * The grant index (src/domain/grant-rules.ts, kms_grant_rules): it decides exactly as the grant
 * evaluation over all of a principal's grants does, each decision is index probes (query plan),
 * and a flood of grants naming one principal costs another principal nothing (work counts).
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { operationMask, parentRulesFor, PARENT_ROW, requestRules, subsetRuleAdmits } from '../../src/domain/grant-rules.js';
import { secureRandom } from '../../src/crypto/random.js';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import type { CallContext, Principal } from '../../src/domain/call-context.js';
import { createKey } from '../../src/services/kms/create-key.js';
import { childGrantWithinParent, grantAllows } from '../../src/services/kms/grant-evaluation.js';
import { KmsService } from '../../src/services/kms/kms-service.js';
import type { GrantConstraints, GrantStore, KmsGrant } from '../../src/store/grant-ports.js';
import type { KeyRef, Store } from '../../src/store/ports.js';
import { migrate } from '../../src/store/sqlite/schema.js';
import { GRANT_RULE_PROBE, sqliteGrantStore } from '../../src/store/sqlite/sqlite-grants.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { keyRef, makeGrant } from '../contract/grant-contract.js';
import { permissionFacts } from '../reliability/lib/kms-permission-facts.js';

/** A small seeded PRNG (mulberry32): the same seed gives the same grants and requests. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  const some = <T>(xs: readonly T[]) => xs.filter(() => next() < 0.4);
  return { next, int, pick, some };
}
type Rng = ReturnType<typeof rng>;

const OPS = ['Decrypt', 'Encrypt', 'GenerateDataKey', 'ReEncryptFrom', 'DescribeKey', 'CreateGrant', 'RetireGrant'] as const;
const context = (r: Rng, keys = ['a', 'b', 'c'], max = 3): Record<string, string> => {
  const c: Record<string, string> = {};
  for (let i = r.int(max + 1); i > 0; i--) c[r.pick(keys)] = r.pick(['1', '2']);
  return c;
};
function constraints(r: Rng): GrantConstraints | undefined {
  switch (r.int(5)) {
    case 0: return undefined;
    case 1: return { EncryptionContextEquals: context(r) };
    case 2: return { EncryptionContextSubset: context(r) };
    case 3: return { EncryptionContextEquals: context(r), EncryptionContextSubset: context(r, ['a', 'b'], 1) };
    default: return { EncryptionContextSubset: context(r, ['a', 'b'], 2) };
  }
}
const BIG_KEYS = Array.from({ length: 12 }, (_, i) => `k${i}`);

describe('grant index', () => {
  let dir: string;
  let db: Database.Database;
  let grants: GrantStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-grant-index-'));
    db = new Database(join(dir, 'db'));
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    grants = sqliteGrantStore(db);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides exactly as evaluating every grant of the principal (random grants and requests)', async () => {
    const seed = Number(process.env.LOCKSMITH_SEED ?? Date.now() % 1e9);
    console.log(`grant index differential seed=${seed}`);
    const r = rng(seed);
    const ref = keyRef();
    const people = ['p1', 'p2', 'p3'].map((n) => `arn:aws:iam::${ref.account}:user/${n}`);
    for (let i = 0; i < 120; i++) {
      const ops = r.some(OPS);
      const big = r.next() < 0.1;
      await grants.create(makeGrant(ref, {
        granteePrincipal: r.pick(people),
        operations: ops.length ? ops : ['Decrypt'],
        ...(big ? { constraints: { EncryptionContextSubset: context(r, BIG_KEYS, 3) } } : constraints(r) ? { constraints: constraints(r)! } : {}),
      }), 50_000);
    }
    for (let i = 0; i < 1500; i++) {
      const principals = r.some(people);
      const all = (await grants.forGrantee(ref, principals)) as KmsGrant[];
      if (r.next() < 0.3) {
        // CreateGrant under a grant: some held grant with CreateGrant contains the child.
        const child = { operations: r.some(OPS.filter((o) => o !== 'CreateGrant')), constraints: constraints(r) };
        const want = all.some((g) => g.operations.includes('CreateGrant') && childGrantWithinParent(g, child.operations, child.constraints));
        const parents = parentRulesFor(child.constraints);
        const got = await grants.findByRule(ref, principals, PARENT_ROW, parents.rules, operationMask(child.operations), parents.any ? () => true : undefined);
        assert.equal(got !== undefined, want, `seed=${seed} child=${JSON.stringify(child)}`);
        continue;
      }
      const op = r.pick(OPS);
      const ctx = r.next() < 0.15 ? context(r, BIG_KEYS, 12) : r.next() < 0.1 ? undefined : context(r);
      const want = grantAllows(all, op, ctx);
      const { rules, scanSubsets } = requestRules(op, ctx);
      const got = await grants.findByRule(ref, principals, op, rules, 0, scanSubsets ? (x) => x.startsWith('sub:') && subsetRuleAdmits(x, ctx) : undefined);
      assert.equal(got !== undefined, want !== undefined, `seed=${seed} op=${op} ctx=${JSON.stringify(ctx)} principals=${principals}`);
      if (got !== undefined) assert.ok(grantAllows(all.filter((g) => g.grantId === got), op, ctx), 'the grant found allows the request');
    }
  });

  it('a lookup is index probes on (key, operation, grantee, rule): no scan of grants', () => {
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${GRANT_RULE_PROBE}`).all({
      account: '1', region: 'r', keyId: 'k', operation: 'Decrypt', principals: '["x"]', rules: '["any"]', mask: 0,
    }) as { detail: string }[]).map((p) => p.detail);
    assert.ok(
      plan.includes('SEARCH kms_grant_rules USING COVERING INDEX kms_grant_rules_lookup (account=? AND region=? AND key_id=? AND operation=? AND grantee_principal=? AND rule=?)'),
      plan.join('\n'),
    );
    assert.ok(!plan.some((d) => /SCAN kms_grant|TEMP B-TREE/.test(d)), plan.join('\n'));
  });

  it('revoking a grant removes its index rows and its count', async () => {
    const ref = keyRef();
    const g = makeGrant(ref, { operations: ['Decrypt', 'CreateGrant'] });
    await grants.create(g, 2);
    await grants.create(makeGrant(ref), 2);
    assert.equal(await grants.create(makeGrant(ref), 2), false, 'the per-key quota counts existing grants');
    await grants.delete(ref, g.grantId);
    const rows = db.prepare('SELECT COUNT(*) AS n FROM kms_grant_rules WHERE key_id = ? AND grant_id = ?').get(ref.keyId, g.grantId) as { n: number };
    assert.equal(rows.n, 0);
    assert.equal(await grants.create(makeGrant(ref), 2), true, 'a deleted grant frees its place');
  });
});

describe('migration 9 on an existing database', () => {
  it('indexes the grants that exist and counts them per key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locksmith-grant-migration-'));
    const db = new Database(join(dir, 'db'));
    try {
      migrate(db, 9);
      const ref = keyRef();
      const before = sqliteGrantStore(db);
      const old = makeGrant(ref, { operations: ['Decrypt', 'CreateGrant'], constraints: { EncryptionContextSubset: { t: 'a' } } });
      await before.create(old, 10);
      await before.create(makeGrant(ref, { granteePrincipal: `arn:aws:iam::${ref.account}:user/other` }), 10);
      // Back to the schema before migration 9, grants kept.
      db.exec(`DROP TRIGGER kms_grants_count_insert; DROP TRIGGER kms_grants_count_delete;
        DROP TABLE kms_grant_rules; DROP TABLE kms_grant_counts;`);
      db.pragma('user_version = 8');
      migrate(db, 9);
      const after_ = sqliteGrantStore(db);
      const principals = [old.granteePrincipal];
      assert.equal(await after_.findByRule(ref, principals, 'Decrypt', requestRules('Decrypt', { t: 'a', u: 'b' }).rules), old.grantId);
      assert.equal(await after_.findByRule(ref, principals, 'Encrypt', requestRules('Encrypt', { t: 'a' }).rules), undefined);
      assert.equal(await after_.findByRule(ref, principals, 'Decrypt', requestRules('Decrypt', { t: 'b' }).rules), undefined);
      assert.equal(await after_.create(makeGrant(ref), 3), true);
      assert.equal(await after_.create(makeGrant(ref), 3), false, 'the two old grants count towards the quota');
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('grant flood: another principal pays nothing, the flooded one pays one probe', () => {
  const ACCOUNT = '444444444444';
  const FLOOD = 15_700;
  let dir: string;
  let store: Store;
  let kms: KmsService;
  let key: KeyRef & { arn: string };
  const calls: string[] = [];
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const user = (name: string): Principal => ({
    type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/${name}`, account: ACCOUNT, accessKeyId: 'AKIA0000000000000000', userId: `AIDA${name.toUpperCase()}`, userName: name,
  });
  const root: Principal = { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, account: ACCOUNT, accessKeyId: 'AKIA0000000000000001', userId: ACCOUNT };
  const ctx = (p: Principal): CallContext => ({
    principal: p, account: ACCOUNT, region: 'us-east-1', sourceIp: '127.0.0.1', secureTransport: false, userAgent: 'test', requestId: 'r', clock, random: secureRandom,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-flood-'));
    const inner = openSqliteStore(join(dir, 'db'));
    // Every grant-store call the authorizer makes is counted.
    const counted = new Proxy(inner.grants, {
      get: (target, name: string) => {
        const f = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
        return (...args: unknown[]) => {
          calls.push(name);
          return f.apply(target, args);
        };
      },
    });
    store = { ...inner, grants: counted };
    kms = new KmsService(store, RootKeyring.fromBytes(secureRandom.bytes(32), secureRandom));
    await store.credentials.ensureAccount(ACCOUNT, clock.now());
    const md = (await createKey({}, ctx(root), kms)).KeyMetadata as { KeyId: string; Arn: string };
    key = { account: ACCOUNT, region: 'us-east-1', keyId: md.KeyId, arn: md.Arn };
    const flooded = user('flooded').arn;
    // The flood goes in through a second connection in one transaction (one commit, not 15,700).
    const bulk = new Database(join(dir, 'db'));
    const bulkGrants = sqliteGrantStore(bulk);
    bulk.transaction(() => {
      for (let i = 0; i < FLOOD; i++) {
        void bulkGrants.create(makeGrant(key, {
          granteePrincipal: flooded, operations: ['Decrypt', 'CreateGrant'],
          constraints: { EncryptionContextSubset: { tenant: 'a', n: String(i) } },
        }), 50_000);
      }
    })();
    bulk.close();
    assert.equal((await inner.grants.list(key, 1000)).next !== undefined, true);
    await inner.grants.create(makeGrant(key, { granteePrincipal: user('other').arn, operations: ['Decrypt'] }), 50_000);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const decide = async (p: Principal, encryptionContext: Record<string, string>, input: Record<string, unknown> = {}, action = 'Decrypt') => {
    calls.length = 0;
    const full = (await store.keys.get(key))!;
    try {
      await kms.authorizer.authorizeKey(ctx(p), { action, ...permissionFacts(action), key: full, input, encryptionContext });
      return { allowed: true, calls: [...calls] };
    } catch (e) {
      assert.equal((e as Error).name, 'AccessDeniedException');
      return { allowed: false, calls: [...calls] };
    }
  };

  it('a principal the key policy allows reads no grant at all', async () => {
    assert.deepEqual(await decide(root, { tenant: 'a' }), { allowed: true, calls: [] });
  });

  it('another grantee of the same key: one index lookup', async () => {
    assert.deepEqual(await decide(user('other'), { tenant: 'b' }), { allowed: true, calls: ['findByRule'] });
    assert.deepEqual(await decide(user('nobody'), { tenant: 'b' }), { allowed: false, calls: ['findByRule'] });
  });

  it('the flooded principal itself: one index lookup, allowed or not', async () => {
    assert.deepEqual(await decide(user('flooded'), { tenant: 'a', n: '15699' }), { allowed: true, calls: ['findByRule'] });
    assert.deepEqual(await decide(user('flooded'), { tenant: 'a' }), { allowed: false, calls: ['findByRule'] });
    // CreateGrant under one of its grants, narrower and wider.
    const child = (Constraints: GrantConstraints) => ({ Operations: ['Decrypt'], Constraints });
    assert.deepEqual(await decide(user('flooded'), {}, child({ EncryptionContextSubset: { tenant: 'a', n: '7', x: 'y' } }), 'CreateGrant'),
      { allowed: true, calls: ['findByRule'] });
    assert.deepEqual(await decide(user('flooded'), {}, child({ EncryptionContextSubset: { tenant: 'a' } }), 'CreateGrant'),
      { allowed: false, calls: ['findByRule'] });
  });
});
