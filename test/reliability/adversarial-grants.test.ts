/**
 * Adversarial grants against a `locksmith serve` process: generated chains of CreateGrant called
 * under a grant's CreateGrant permission (random operations and constraints, random parents,
 * several principals with no policies of their own, grant tokens of anyone's grants). Properties:
 *
 * - a CreateGrant is accepted exactly when the child fits within some grant the caller holds that
 *   allows CreateGrant (operations a subset, constraints at least as strict — decided here by an
 *   independent model over a finite universe of encryption contexts), refused with
 *   AccessDeniedException otherwise; ListGrants shows exactly the accepted grants;
 * - every operation a principal then attempts (random operation, random encryption context)
 *   succeeds exactly when the model says a grant it holds allows it, and never when no grant the
 *   root created in the first place (any grantee) allows it: nothing derived exceeds its origin.
 *
 * Size: LOCKSMITH_RELIABILITY=full → 400 CreateGrant steps and 3,000 attempts; default → 60 and 200.
 * Replay: LOCKSMITH_SEED_RELIABILITY=<seed> (printed).
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateGrantCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient,
  ListGrantsCommand, type GrantListEntry, type GrantOperation,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Prng, runSeed } from './lib/prng.js';
import { rootCredentials, spawnServer, type ServerProcess } from './lib/server-process.js';
import { REGION, type Credentials } from './lib/sign.js';
import { bySize, reliabilitySize } from './lib/size.js';

const STEPS = bySize(60, 400);
const ATTEMPTS = bySize(200, 3_000);
const SEEDS = bySize(4, 10);
const USERS = ['u0', 'u1', 'u2', 'u3'];

type Ctx = Record<string, string>;
interface Constraints { EncryptionContextEquals?: Ctx; EncryptionContextSubset?: Ctx }
interface ModelGrant { grantId: string; token: string; grantee: string; operations: string[]; constraints?: Constraints }

const CONTEXT_OPS = new Set(['Encrypt', 'Decrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo']);
const GRANT_OPS = ['Encrypt', 'Decrypt', 'GenerateDataKey', 'ReEncryptFrom', 'DescribeKey', 'CreateGrant', 'RetireGrant'];
const TRIED_OPS = ['Encrypt', 'Decrypt', 'GenerateDataKey', 'DescribeKey'] as const;

/**
 * Every context over keys a, b, c (absent, "1" or "2") and x (absent or "1"; never in a
 * constraint, so it tells "at least these pairs" from "exactly these pairs").
 */
const UNIVERSE: Ctx[] = (() => {
  const out: Ctx[] = [];
  for (const a of [undefined, '1', '2']) for (const b of [undefined, '1', '2']) for (const c of [undefined, '1', '2']) for (const x of [undefined, '1']) {
    const ctx: Ctx = {};
    if (a) ctx.a = a;
    if (b) ctx.b = b;
    if (c) ctx.c = c;
    if (x) ctx.x = x;
    out.push(ctx);
  }
  return out;
})();

/** The model's own reading of grant constraints (GrantConstraints in the KMS API reference). */
function admits(c: Constraints | undefined, ctx: Ctx): boolean {
  const eq = c?.EncryptionContextEquals;
  const sub = c?.EncryptionContextSubset;
  const keys = Object.keys(ctx);
  if (eq && (keys.length !== Object.keys(eq).length || keys.some((k) => eq[k] !== ctx[k]))) return false;
  if (sub && Object.entries(sub).some(([k, v]) => ctx[k] !== v)) return false;
  return true;
}
const modelAllows = (g: ModelGrant, op: string, ctx: Ctx) => g.operations.includes(op) && (!CONTEXT_OPS.has(op) || admits(g.constraints, ctx));
const within = (child: { operations: string[]; constraints?: Constraints }, parent: ModelGrant) =>
  parent.operations.includes('CreateGrant') &&
  child.operations.every((op) => parent.operations.includes(op)) &&
  UNIVERSE.every((ctx) => !admits(child.constraints, ctx) || admits(parent.constraints, ctx));

function randomContext(r: Prng, max = 3): Ctx {
  const c: Ctx = {};
  for (let i = r.int(0, max); i > 0; i--) c[r.pick(['a', 'b', 'c'])] = r.pick(['1', '2']);
  return c;
}
function randomConstraints(r: Prng): Constraints | undefined {
  switch (r.int(0, 4)) {
    case 0: return undefined;
    case 1: return { EncryptionContextEquals: randomContext(r) };
    case 2: return { EncryptionContextEquals: randomContext(r), EncryptionContextSubset: randomContext(r, 1) };
    default: return { EncryptionContextSubset: randomContext(r, 2) };
  }
}
/** A child meant to fit under `p`: some of its operations, its constraints with more pairs. */
function narrowed(r: Prng, p: ModelGrant): { operations: string[]; constraints?: Constraints } {
  const ops = p.operations.filter((op) => op === 'CreateGrant' ? r.chance(0.6) : r.chance(0.7));
  const operations = ops.some((op) => op !== 'CreateGrant') ? ops : [p.operations.find((op) => op !== 'CreateGrant')!];
  const c = p.constraints;
  if (c?.EncryptionContextEquals) return { operations, constraints: c };
  const sub = { ...(c?.EncryptionContextSubset ?? {}), ...(r.chance(0.5) ? randomContext(r, 1) : {}) };
  return { operations, constraints: r.chance(0.3) ? { EncryptionContextEquals: { ...sub, ...randomContext(r, 1) } } : { EncryptionContextSubset: sub } };
}

describe(`adversarial grants (${reliabilitySize()}: ${STEPS} CreateGrant steps, ${ATTEMPTS} attempts)`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-adv-grants-'));
  let server: ServerProcess | undefined;
  const clients: Array<{ destroy(): void }> = [];
  after(async () => {
    for (const c of clients) c.destroy();
    await server?.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('no grant created under a grant allows what its parent did not; wider ones are refused', { timeout: bySize(120_000, 1_200_000) }, async () => {
    const seed = runSeed();
    console.log(`adversarial grants seed ${seed} (replay: LOCKSMITH_SEED_RELIABILITY=${seed})`);
    const r = new Prng(seed);
    server = await spawnServer(dataDir);
    const endpoint = server.endpoint;
    const root = rootCredentials(dataDir);
    const kmsFor = (credentials: Credentials) => {
      const c = new KMSClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
      clients.push(c);
      return c;
    };
    const rootKms = kmsFor(root);
    const iam = new IAMClient({ endpoint, region: REGION, credentials: root, maxAttempts: 1 });
    clients.push(iam);
    const key = (await rootKms.send(new CreateKeyCommand({ Description: 'adversarial grants' }))).KeyMetadata!;
    const arnOf = (u: string) => `arn:aws:iam::${key.AWSAccountId}:user/${u}`;
    const users = new Map<string, KMSClient>();
    for (const u of USERS) {
      await iam.send(new CreateUserCommand({ UserName: u }));
      const k = (await iam.send(new CreateAccessKeyCommand({ UserName: u }))).AccessKey!;
      users.set(u, kmsFor({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }));
    }

    const seeds: ModelGrant[] = [];
    const all: ModelGrant[] = [];
    const create = async (client: KMSClient, g: Omit<ModelGrant, 'grantId' | 'token'>, tokens?: string[]) => {
      const out = await client.send(new CreateGrantCommand({
        KeyId: key.Arn, GranteePrincipal: g.grantee, Operations: g.operations as GrantOperation[], Constraints: g.constraints, GrantTokens: tokens,
      }));
      const made = { ...g, grantId: out.GrantId!, token: out.GrantToken! };
      all.push(made);
      return made;
    };
    for (let i = 0; i < SEEDS; i++) {
      const ops = GRANT_OPS.filter(() => r.chance(0.5));
      const operations = [...new Set(['CreateGrant', ...ops, r.pick(['Encrypt', 'Decrypt', 'GenerateDataKey', 'DescribeKey'])])];
      seeds.push(await create(rootKms, { grantee: arnOf(USERS[i % USERS.length]!), operations, constraints: randomConstraints(r) }));
    }

    let accepted = 0;
    let refused = 0;
    for (let step = 0; step < STEPS; step++) {
      const u = r.pick(USERS);
      const held = all.filter((g) => g.grantee === arnOf(u) && g.operations.includes('CreateGrant'));
      const base = held.length > 0 && r.chance(0.6) ? r.pick(held) : r.pick(all);
      const child = r.chance(0.5) ? narrowed(r, base) : (() => {
        const ops = GRANT_OPS.filter(() => r.chance(0.35));
        return { operations: ops.some((op) => op !== 'CreateGrant') ? ops : ['Decrypt'], constraints: randomConstraints(r) };
      })();
      const grantee = arnOf(r.pick(USERS));
      const tokens = r.chance(0.4) ? [r.pick(all).token] : undefined;
      const expect = held.some((p) => within(child, p));
      const what = `step ${step}: ${u} asks ${JSON.stringify({ ...child, grantee })} holding ${JSON.stringify(held.map(({ operations, constraints }) => ({ operations, constraints })))} (seed ${seed})`;
      try {
        await create(users.get(u)!, { ...child, grantee }, tokens);
        accepted++;
        assert.ok(expect, `accepted a grant wider than every grant the caller holds: ${what}`);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        refused++;
        assert.equal((e as Error).name, 'AccessDeniedException', `${what}: ${(e as Error).message}`);
        assert.ok(!expect, `refused a grant within one the caller holds: ${what}`);
      }
    }
    console.log(`adversarial grants: ${accepted} accepted, ${refused} refused`);
    assert.ok(accepted > 0 && refused > 0, 'both outcomes were exercised');

    // The server holds exactly the accepted grants, as the model has them.
    const listed: GrantListEntry[] = [];
    let marker: string | undefined;
    do {
      const page = await rootKms.send(new ListGrantsCommand({ KeyId: key.KeyId, Marker: marker, Limit: 100 }));
      listed.push(...page.Grants!);
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    assert.deepEqual(listed.map((g) => g.GrantId).sort(), all.map((g) => g.grantId).sort());

    // Every principal can do exactly what its grants allow, and never more than the root's own grants allowed anyone.
    const ciphertexts = new Map<string, Uint8Array>();
    const blob = async (ctx: Ctx) => {
      const id = JSON.stringify(Object.entries(ctx).sort());
      if (!ciphertexts.has(id)) {
        ciphertexts.set(id, (await rootKms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('p'), EncryptionContext: ctx }))).CiphertextBlob!);
      }
      return ciphertexts.get(id)!;
    };
    let allowed = 0;
    for (let i = 0; i < ATTEMPTS; i++) {
      const u = r.pick(USERS);
      const op = r.pick(TRIED_OPS);
      const ctx = r.pick(UNIVERSE);
      const expect = all.some((g) => g.grantee === arnOf(u) && modelAllows(g, op, ctx));
      const client = users.get(u)!;
      const EncryptionContext = Object.keys(ctx).length ? ctx : undefined;
      let ok = true;
      try {
        if (op === 'Encrypt') await client.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: Buffer.from('x'), EncryptionContext }));
        else if (op === 'GenerateDataKey') await client.send(new GenerateDataKeyCommand({ KeyId: key.Arn, KeySpec: 'AES_256', EncryptionContext }));
        else if (op === 'DescribeKey') await client.send(new DescribeKeyCommand({ KeyId: key.Arn }));
        else await client.send(new DecryptCommand({ CiphertextBlob: await blob(ctx), EncryptionContext }));
      } catch (e) {
        assert.equal((e as Error).name, 'AccessDeniedException', `${u} ${op} ${JSON.stringify(ctx)}: ${(e as Error).message}`);
        ok = false;
      }
      assert.equal(ok, expect, `${u} ${op} ${JSON.stringify(ctx)}: server ${ok ? 'allowed' : 'denied'}, model ${expect ? 'allows' : 'denies'} (seed ${seed})`);
      if (ok) {
        allowed++;
        assert.ok(seeds.some((g) => modelAllows(g, op, ctx)), `${u} ${op} ${JSON.stringify(ctx)} exceeds every grant the root created (seed ${seed})`);
      }
    }
    console.log(`adversarial grants: ${allowed} of ${ATTEMPTS} attempts allowed`);
  });
});
