/**
 * Crash durability: `locksmith serve` takes concurrent writes (CreateKey, CreateAlias, PutKeyPolicy,
 * CreateGrant, Encrypt, ScheduleKeyDeletion) and is SIGKILLed at a random moment; after a restart
 * every write it acknowledged is there and every ciphertext it returned decrypts. At the end the
 * SQLite database passes PRAGMA integrity_check (opened read-only).
 *
 * Every second cycle runs the server as a cluster (`--workers 2`): the kill takes the primary and
 * both workers at once, and both workers' acknowledged writes must survive.
 *
 * Size: LOCKSMITH_RELIABILITY=full → 20 kill cycles; default → 3. Replay: LOCKSMITH_SEED_RELIABILITY=<seed>.
 */
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  type AliasListEntry,
} from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Prng, runSeed } from './lib/prng.js';
import { rootCredentials, spawnServer, type ServerProcess } from './lib/server-process.js';
import { REGION, type Credentials } from './lib/sign.js';
import { bySize, reliabilitySize } from './lib/size.js';

const CYCLES = bySize(3, 20);
const WORKERS = 6;
const ACCOUNT = '000000000000';
const serveArgs = (cycle: number) => (cycle % 2 === 0 ? ['--workers', '2'] : []);
const ROOT_ARN = `arn:aws:iam::${ACCOUNT}:root`;

/** A key policy that keeps the root's access and carries a marker, so the stored version is recognisable. */
const markedPolicy = (marker: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT_ARN }, Action: 'kms:*', Resource: '*' },
      { Sid: marker, Effect: 'Allow', Principal: { AWS: ROOT_ARN }, Action: 'kms:DescribeKey', Resource: '*' },
    ],
  });

interface KeyRecord {
  keyId: string;
  arn: string;
  description: string;
  scheduled: boolean;
  /** ScheduleKeyDeletion sent but unanswered when the server died: either state is right. */
  scheduleInFlight?: boolean;
  /** Marker of the last acknowledged PutKeyPolicy, and of one sent but unanswered when the server died. */
  policy?: string;
  policyInFlight?: string;
  cycle: number;
}

/** Everything the server acknowledged, across all cycles. */
class Acknowledged {
  keys = new Map<string, KeyRecord>();
  aliases = new Map<string, string>(); // alias name → key id
  grants: { grantId: string; keyId: string }[] = [];
  ciphertexts: { blob: Uint8Array; plaintext: Buffer; context: Record<string, string>; keyArn: string }[] = [];
  count = 0;
}

const isTransport = (e: unknown) => {
  const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  return err.$metadata?.httpStatusCode === undefined && /ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|TimeoutError|ETIMEDOUT/i.test(`${err.code} ${err.name} ${String((e as Error).message)}`);
};

/** One worker: a random sequence of writes on keys it owns, until the server dies under it. */
async function worker(endpoint: string, creds: Credentials, rng: Prng, ack: Acknowledged, cycle: number, w: number): Promise<void> {
  const kms = new KMSClient({ endpoint, region: REGION, credentials: creds, maxAttempts: 1 });
  const mine: KeyRecord[] = [];
  let n = 0;
  const tag = () => `c${cycle}-w${w}-${n++}`;
  try {
    for (;;) {
      const usable = mine.filter((k) => !k.scheduled);
      const action = usable.length === 0 ? 'CreateKey' : rng.pick(['CreateKey', 'CreateAlias', 'PutKeyPolicy', 'CreateGrant', 'Encrypt', 'Encrypt', 'ScheduleKeyDeletion']);
      const key = usable.length ? rng.pick(usable) : undefined;
      switch (action) {
        case 'CreateKey': {
          const description = `crash ${tag()}`;
          const meta = (await kms.send(new CreateKeyCommand({ Description: description }))).KeyMetadata!;
          const rec: KeyRecord = { keyId: meta.KeyId!, arn: meta.Arn!, description, scheduled: false, cycle };
          mine.push(rec);
          ack.keys.set(rec.keyId, rec);
          break;
        }
        case 'CreateAlias': {
          const name = `alias/crash-${tag()}`;
          await kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key!.keyId }));
          ack.aliases.set(name, key!.keyId);
          break;
        }
        case 'PutKeyPolicy': {
          const marker = `marker${tag().replace(/-/g, '')}`;
          key!.policyInFlight = marker;
          await kms.send(new PutKeyPolicyCommand({ KeyId: key!.keyId, PolicyName: 'default', Policy: markedPolicy(marker) }));
          key!.policy = marker;
          key!.policyInFlight = undefined;
          break;
        }
        case 'CreateGrant': {
          const out = await kms.send(new CreateGrantCommand({ KeyId: key!.keyId, GranteePrincipal: ROOT_ARN, Operations: ['Decrypt', 'Encrypt'], Name: `g-${tag()}` }));
          ack.grants.push({ grantId: out.GrantId!, keyId: key!.keyId });
          break;
        }
        case 'Encrypt': {
          const plaintext = rng.bytes(rng.int(1, 256));
          const context = { cycle: String(cycle), n: tag() };
          const out = await kms.send(new EncryptCommand({ KeyId: key!.keyId, Plaintext: plaintext, EncryptionContext: context }));
          ack.ciphertexts.push({ blob: out.CiphertextBlob!, plaintext, context, keyArn: key!.arn });
          break;
        }
        case 'ScheduleKeyDeletion': {
          // Only keys nothing else depends on: a key with ciphertexts must stay usable to check them.
          const fresh = (await kms.send(new CreateKeyCommand({ Description: `doomed ${tag()}` }))).KeyMetadata!;
          const rec: KeyRecord = { keyId: fresh.KeyId!, arn: fresh.Arn!, description: fresh.Description!, scheduled: false, cycle };
          ack.keys.set(rec.keyId, rec);
          ack.count++;
          rec.scheduleInFlight = true;
          await kms.send(new ScheduleKeyDeletionCommand({ KeyId: rec.keyId, PendingWindowInDays: 7 }));
          rec.scheduled = true;
          rec.scheduleInFlight = false;
          break;
        }
      }
      ack.count++;
    }
  } catch (e) {
    if (!isTransport(e)) throw new Error(`worker ${w} in cycle ${cycle}: unexpected error ${(e as Error).name}: ${(e as Error).message}`);
  } finally {
    kms.destroy();
  }
}

/** Runs `fn` over items with bounded concurrency. */
async function each<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

async function listAliases(kms: KMSClient): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let marker: string | undefined;
  do {
    const page = await kms.send(new ListAliasesCommand({ Limit: 100, Marker: marker }));
    for (const a of page.Aliases ?? ([] as AliasListEntry[])) if (a.TargetKeyId) out.set(a.AliasName!, a.TargetKeyId);
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return out;
}

/** Checks every acknowledged write made in `cycles` (all of them when undefined), plus a sample of older ones. */
async function verify(endpoint: string, creds: Credentials, ack: Acknowledged, rng: Prng, only?: number): Promise<number> {
  const kms = new KMSClient({ endpoint, region: REGION, credentials: creds, maxAttempts: 1 });
  const pick = <T extends { cycle: number }>(items: T[]) => (only === undefined ? items : items.filter((x) => x.cycle === only || rng.chance(0.05)));
  let checked = 0;
  try {
    const keys = pick([...ack.keys.values()]);
    await each(keys, 8, async (k) => {
      const meta = (await kms.send(new DescribeKeyCommand({ KeyId: k.keyId }))).KeyMetadata!;
      assert.equal(meta.Arn, k.arn);
      if (k.scheduleInFlight) {
        assert.ok(meta.KeyState === 'Enabled' || meta.KeyState === 'PendingDeletion', `state of ${k.keyId}: ${meta.KeyState}`);
        k.scheduled = meta.KeyState === 'PendingDeletion';
        k.scheduleInFlight = false;
      }
      assert.equal(meta.KeyState, k.scheduled ? 'PendingDeletion' : 'Enabled', `state of ${k.keyId} (cycle ${k.cycle})`);
      assert.equal(meta.Description, k.description);
      if (k.policy !== undefined || k.policyInFlight !== undefined) {
        const policy = (await kms.send(new GetKeyPolicyCommand({ KeyId: k.keyId, PolicyName: 'default' }))).Policy!;
        const sids = (JSON.parse(policy) as { Statement: { Sid?: string }[] }).Statement.map((s) => s.Sid);
        const marker = sids.find((sid) => sid?.startsWith('marker'));
        // Acceptable: the last acknowledged policy (the default one when none was), or the unanswered one.
        const allowed = [k.policy, k.policyInFlight].filter((m) => m !== undefined || k.policy === undefined);
        assert.ok(allowed.includes(marker), `key ${k.keyId}: policy has ${JSON.stringify(sids)}, expected one of ${JSON.stringify(allowed)}`);
        // What the restarted server shows is now the truth for the next cycles.
        k.policy = marker;
        k.policyInFlight = undefined;
      }
      checked++;
    });
    const aliases = await listAliases(kms);
    for (const [name, keyId] of ack.aliases) {
      assert.equal(aliases.get(name), keyId, `alias ${name}`);
      checked++;
    }
    const keyCycle = (keyId: string) => ack.keys.get(keyId)!.cycle;
    const grantsByKey = new Map<string, string[]>();
    for (const g of ack.grants) if (only === undefined || keyCycle(g.keyId) === only || rng.chance(0.05)) grantsByKey.set(g.keyId, [...(grantsByKey.get(g.keyId) ?? []), g.grantId]);
    await each([...grantsByKey], 8, async ([keyId, ids]) => {
      const listed = new Set<string>();
      let marker: string | undefined;
      do {
        const page = await kms.send(new ListGrantsCommand({ KeyId: keyId, Limit: 100, Marker: marker }));
        for (const g of page.Grants ?? []) listed.add(g.GrantId!);
        marker = page.Truncated ? page.NextMarker : undefined;
      } while (marker);
      for (const id of ids) assert.ok(listed.has(id), `grant ${id} on ${keyId}`);
      checked += ids.length;
    });
    const cts = ack.ciphertexts.filter((c) => only === undefined || c.context.cycle === String(only) || rng.chance(0.05));
    await each(cts, 8, async (c) => {
      const out = await kms.send(new DecryptCommand({ CiphertextBlob: c.blob, EncryptionContext: c.context }));
      assert.equal(out.KeyId, c.keyArn);
      assert.ok(Buffer.from(out.Plaintext!).equals(c.plaintext), 'plaintext round-trips');
      checked++;
    });
  } finally {
    kms.destroy();
  }
  return checked;
}

/** PRAGMA integrity_check on the database, opened read-only (better-sqlite3). */
function integrityCheck(dataDir: string): void {
  const db = new Database(join(dataDir, 'locksmith.db'), { readonly: true, fileMustExist: true });
  try {
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  } finally {
    db.close();
  }
}

describe(`crash durability (${reliabilitySize()}: ${CYCLES} SIGKILL cycles)`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-crash-'));
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every acknowledged write survives SIGKILL at a random moment; the database stays intact', { timeout: bySize(120_000, 900_000) }, async () => {
    const seed = runSeed();
    console.log(`crash test seed ${seed} (replay: LOCKSMITH_SEED_RELIABILITY=${seed})`);
    const rng = new Prng(seed);
    const ack = new Acknowledged();
    server = await spawnServer(dataDir, { serveArgs: serveArgs(1) });
    const creds = rootCredentials(dataDir);
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const before = ack.count;
      const workers = Array.from({ length: WORKERS }, (_, w) => worker(server!.endpoint, creds, new Prng(rng.int(0, 2 ** 31)), ack, cycle, w));
      const delay = rng.int(150, 1500);
      await new Promise((r) => setTimeout(r, delay));
      await server.stop('SIGKILL');
      await Promise.all(workers);
      const acked = ack.count - before;
      assert.ok(acked > 0, `cycle ${cycle}: some writes were acknowledged before the kill`);
      integrityCheck(dataDir); // the state the crash left, before SQLite's recovery on the next open
      server = await spawnServer(dataDir, { serveArgs: serveArgs(cycle + 1) });
      const checked = await verify(server.endpoint, creds, ack, rng, cycle);
      console.log(`cycle ${cycle}${serveArgs(cycle).length ? ' (2 workers)' : ''}: killed after ${delay} ms with ${acked} writes acknowledged; restarted, ${checked} checked`);
    }
    const all = await verify(server.endpoint, creds, ack, rng);
    console.log(`final: all ${all} acknowledged writes and ciphertexts checked (${ack.keys.size} keys, ${ack.aliases.size} aliases, ${ack.grants.length} grants, ${ack.ciphertexts.length} ciphertexts)`);
    await server.stop('SIGKILL');
    integrityCheck(dataDir);
  });
});
