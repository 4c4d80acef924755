/**
 * Adversarial concurrency (issue 11): several clients call every key-mutating KMS operation
 * (PutKeyPolicy, Enable/DisableKey, Enable/DisableKeyRotation, RotateKeyOnDemand, Tag/UntagResource,
 * Create/Update/DeleteAlias, Create/Revoke/RetireGrant, Schedule/CancelKeyDeletion,
 * UpdateKeyDescription, ImportKeyMaterial/DeleteImportedKeyMaterial) in random interleavings against
 * a `locksmith serve` process. After each round:
 * - every attribute's final value is that of one of its maximal acknowledged writers (some serial
 *   order of the acknowledged calls explains it: no lost update; see lib/linearizability.ts);
 * - the grants on the key are exactly the acknowledged creations minus acknowledged revocations;
 * - the on-demand rotations stored equal the acknowledged RotateKeyOnDemand calls, and so do the
 *   RotateKey service events recorded;
 * - an EXTERNAL key is PendingImport exactly when it lacks material (and is not pending deletion);
 * - no call answered 5xx, and every acknowledged call has exactly one audit record.
 * One server runs single-process, one as `serve --workers 2` (cross-process writers on one file).
 *
 * Size: LOCKSMITH_RELIABILITY=full → 30 + 10 rounds of 6 clients × 40 calls; default → 3 + 1
 * rounds of 4 clients × 20 calls. Replay: LOCKSMITH_SEED_RELIABILITY=<seed> (printed).
 */
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { storedRows } from '../blackbox/audit-helpers.js';
import { importMaterial, randomMutation, type RoundKeys } from './lib/key-mutations.js';
import { checkRegister, type CallRecord, type RegisterViolation } from './lib/linearizability.js';
import { Prng, runSeed } from './lib/prng.js';
import { rootCredentials, spawnServer, type ServerProcess } from './lib/server-process.js';
import { REGION, type Credentials } from './lib/sign.js';
import { bySize } from './lib/size.js';

const ROUNDS = bySize(3, 30);
const CLUSTER_ROUNDS = bySize(1, 10);
const CLIENTS = bySize(4, 6);
const CALLS_PER_CLIENT = bySize(20, 40);

const client = (endpoint: string, credentials: Credentials) => new KMSClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
const metaOf = (x: unknown) => (x as { $metadata?: { requestId?: string; httpStatusCode?: number } }).$metadata ?? {};

async function createRound(kms: KMSClient, round: number, rng: Prng): Promise<RoundKeys> {
  const a = (await kms.send(new CreateKeyCommand({ Description: 'initial' }))).KeyMetadata!;
  const b = (await kms.send(new CreateKeyCommand({ Description: 'alias target' }))).KeyMetadata!;
  const e = (await kms.send(new CreateKeyCommand({ Description: 'initial', Origin: 'EXTERNAL' }))).KeyMetadata!;
  const material = rng.bytes(32);
  await importMaterial(kms, e.KeyId!, material);
  return {
    account: a.AWSAccountId!,
    a: a.KeyId!,
    b: b.KeyId!,
    e: e.KeyId!,
    material,
    aliases: [0, 1].map((i) => `alias/adversarial-${round}-${i}`),
    tagKeys: ['T0', 'T1'],
    grants: [],
  };
}

/** One client: a random sequence of mutations, each recorded with its real-time interval and outcome. */
async function runClient(kms: KMSClient, keys: RoundKeys, rng: Prng, id: number, round: number): Promise<Call[]> {
  const calls: Call[] = [];
  for (let i = 0; i < CALLS_PER_CLIENT; i++) {
    const m = randomMutation(keys, rng, `r${round}-c${id}-${i}`);
    const start = performance.now();
    try {
      const answer = await m.send(kms);
      const end = performance.now();
      m.onAck?.(answer);
      calls.push({ client: id, op: m.op, start, end, ok: true, requestId: metaOf(answer).requestId, status: metaOf(answer).httpStatusCode, writes: m.writes, grantId: m.grantId });
    } catch (err) {
      const end = performance.now();
      const meta = metaOf(err);
      calls.push({ client: id, op: m.op, start, end, ok: false, error: (err as Error).name, requestId: meta.requestId, status: meta.httpStatusCode, writes: m.writes, grantId: m.grantId });
    }
  }
  return calls;
}

/** The round's final state, attribute by attribute (the names key-mutations.ts writes). */
async function finalState(kms: KMSClient, k: RoundKeys): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const [name, KeyId] of [['A', k.a], ['E', k.e]] as const) {
    const meta = (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
    state[`${name}.state`] = meta.KeyState;
    state[`${name}.description`] = meta.Description;
    state[`${name}.policy`] = JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' }))).Policy!).Id;
    const tags = (await kms.send(new ListResourceTagsCommand({ KeyId }))).Tags ?? [];
    for (const t of k.tagKeys) state[`${name}.tag.${t}`] = tags.find((x) => x.TagKey === t)?.TagValue;
  }
  // A key pending deletion reports rotation off; its schedule is back once the deletion is cancelled (done after the round).
  if (state['A.state'] === 'PendingDeletion') await kms.send(new CancelKeyDeletionCommand({ KeyId: k.a }));
  const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.a }));
  state['A.rotation'] = rotation.KeyRotationEnabled ? rotation.RotationPeriodInDays : 0;
  const aliases = (await kms.send(new ListAliasesCommand({ Limit: 100 }))).Aliases ?? [];
  for (const name of k.aliases) state[`alias.${name}`] = aliases.find((x) => x.AliasName === name)?.TargetKeyId;
  return state;
}

async function listAll<T>(page: (marker?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const p = await page(marker);
    all.push(...p.items);
    marker = p.next;
  } while (marker);
  return all;
}

/** A call as recorded, with the grant a RevokeGrant/RetireGrant named. */
type Call = CallRecord & { grantId?: string };

interface RoundReport {
  calls: Call[];
  problems: string[];
}

async function runRound(server: ServerProcess, credentials: Credentials, round: number, rng: Prng): Promise<RoundReport> {
  const admin = client(server.endpoint, credentials);
  const clients = Array.from({ length: CLIENTS }, () => client(server.endpoint, credentials));
  try {
    const keys = await createRound(admin, round, rng);
    const initial = await finalState(admin, keys);
    const perClient = await Promise.all(clients.map((c, i) => runClient(c, keys, new Prng(rng.int(0, 2 ** 31)), i, round)));
    const calls = perClient.flat();
    const problems: string[] = [];
    for (const c of calls) if ((c.status ?? 0) >= 500 || (!c.ok && c.status === undefined)) problems.push(`${c.op} answered ${c.status ?? 'nothing'} (${c.error})`);

    const final = await finalState(admin, keys);
    const violations: RegisterViolation[] = [];
    const attributes = new Set([...Object.keys(initial), ...calls.flatMap((c) => Object.keys(c.writes))]);
    for (const attr of attributes) {
      if (attr === 'E.state' || attr === 'E.material' || attr === 'E.pending') continue;
      const v = checkRegister(calls, attr, initial[attr], final[attr]);
      if (v) violations.push(v);
    }
    // E's state follows its material and pending deletion, which are registers themselves.
    const pending = final['E.state'] === 'PendingDeletion';
    const pendingViolation = checkRegister(calls, 'E.pending', false, pending);
    if (pendingViolation) violations.push(pendingViolation);
    if (!pending) {
      const materialPresent = final['E.state'] !== 'PendingImport';
      const v = checkRegister(calls, 'E.material', true, materialPresent);
      if (v) violations.push(v);
    }
    for (const v of violations) problems.push(`lost update: ${JSON.stringify(v)}`);

    // Grants: exactly the acknowledged creations minus the acknowledged revocations and retirements.
    const created = new Set(keys.grants);
    const grants = await listAll(async (Marker) => {
      const p = await admin.send(new ListGrantsCommand({ KeyId: keys.a, Limit: 100, Marker }));
      return { items: (p.Grants ?? []).map((g) => g.GrantId!), next: p.Truncated ? p.NextMarker : undefined };
    });
    for (const g of grants) if (!created.has(g)) problems.push(`grant ${g} exists without an acknowledged CreateGrant`);
    const revoked = removedGrants(calls);
    for (const g of created) if (!revoked.has(g) && !grants.includes(g)) problems.push(`grant ${g} is gone without an acknowledged RevokeGrant/RetireGrant`);
    for (const g of revoked) if (grants.includes(g)) problems.push(`grant ${g} survived an acknowledged RevokeGrant/RetireGrant`);

    // On-demand rotations: one stored rotation and one RotateKey service event per acknowledged call.
    const acked = calls.filter((c) => c.ok && c.op === 'RotateKeyOnDemand(A)').length;
    const onDemand = ((await admin.send(new ListKeyRotationsCommand({ KeyId: keys.a, Limit: 1000 }))).Rotations ?? []).filter((r) => r.RotationType === 'ON_DEMAND').length;
    if (onDemand !== acked) problems.push(`${acked} acknowledged RotateKeyOnDemand calls, ${onDemand} on-demand rotations stored`);

    // Audit: one record per acknowledged call; one RotateKey event per acknowledged rotation.
    const rows = storedRows(server.dataDir).map((r) => r.record);
    const byRequest = new Map<string, number>();
    for (const r of rows) if (typeof r.requestID === 'string') byRequest.set(r.requestID, (byRequest.get(r.requestID) ?? 0) + 1);
    for (const c of calls.filter((x) => x.ok)) {
      const n = c.requestId === undefined ? 0 : (byRequest.get(c.requestId) ?? 0);
      if (n !== 1) problems.push(`${c.op} (request ${c.requestId}) acknowledged with ${n} audit records`);
    }
    const rotateEvents = rows.filter((r) => r.eventName === 'RotateKey' && r.eventType === 'AwsServiceEvent' && JSON.stringify(r.resources ?? []).includes(keys.a)).length;
    if (rotateEvents !== acked) problems.push(`${acked} acknowledged RotateKeyOnDemand calls, ${rotateEvents} RotateKey service events`);
    return { calls, problems };
  } finally {
    admin.destroy();
    for (const c of clients) c.destroy();
  }
}

/** Grants an acknowledged RevokeGrant or RetireGrant removed (their GrantId, from the request as sent). */
function removedGrants(calls: Call[]): Set<string> {
  return new Set(calls.filter((c) => c.ok && c.grantId !== undefined).map((c) => c.grantId!));
}

describe('adversarial concurrency: random interleavings of key mutations are linearizable and audited', () => {
  const seed = runSeed();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const [label, serveArgs, rounds] of [
    ['one process', [], ROUNDS],
    ['serve --workers 2', ['--workers', '2'], CLUSTER_ROUNDS],
  ] as const) {
    it(`${label}: ${rounds} rounds of ${CLIENTS} clients × ${CALLS_PER_CLIENT} calls`, async () => {
      console.log(`adversarial-concurrency seed ${seed} (replay: LOCKSMITH_SEED_RELIABILITY=${seed})`);
      const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-adversarial-'));
      dirs.push(dataDir);
      const server = await spawnServer(dataDir, { serveArgs: [...serveArgs] });
      try {
        const rng = new Prng(seed + (serveArgs.length > 0 ? 1 : 0));
        const credentials = rootCredentials(dataDir);
        let total = 0;
        let acknowledged = 0;
        const refusals = new Map<string, number>();
        for (let round = 0; round < rounds; round++) {
          const { calls, problems } = await runRound(server, credentials, round, rng);
          total += calls.length;
          acknowledged += calls.filter((c) => c.ok).length;
          for (const c of calls) if (!c.ok) refusals.set(`${c.op}: ${c.error}`, (refusals.get(`${c.op}: ${c.error}`) ?? 0) + 1);
          assert.deepEqual(problems, [], `round ${round} (seed ${seed}, ${label})`);
        }
        console.log(`${label}: ${rounds} rounds, ${total} calls, ${acknowledged} acknowledged, all linearizable and audited`);
        const top = [...refusals].sort((x, y) => y[1] - x[1]).slice(0, 12);
        console.log(`refused (expected answers to the state the key was in): ${top.map(([k, n]) => `${k} ×${n}`).join('; ')}`);
      } finally {
        await server.stop();
      }
    });
  }
});
