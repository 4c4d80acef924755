/**
 * Protocol fuzzing against a `locksmith serve` process: malformed requests across every implemented
 * KMS operation (wrong JSON types, broken model constraints, missing members, truncated and garbage
 * bodies, huge fields, tampered ciphertexts, unusable keys, unknown targets, odd headers), almost all
 * correctly signed so they reach the protocol layer, plus unsigned and garbled-auth ones.
 * Every answer must be an AWS-shaped JSON error `{"__type": …}` with a 4xx status (5xx only for AWS's
 * modelled faults other than KMSInternalException, which is what an unexpected exception becomes);
 * the server must stay up and its RSS bounded.
 *
 * Size: LOCKSMITH_RELIABILITY=full → 100,000 requests; default → 3,000.
 * Replay: LOCKSMITH_SEED_RELIABILITY=<seed> (printed); one case: LOCKSMITH_FUZZ_CASE=<index>.
 */
import { CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, DisableKeyCommand, EncryptCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kmsModel } from '../../src/model/kms-model.js';
import { KMS_OPERATIONS } from '../../src/services/kms/operations.js';
import { buildCase, type FuzzCase, type FuzzFixture } from './lib/fuzz-cases.js';
import { keepAliveAgent, sendWire, type WireResponse } from './lib/http.js';
import { runSeed } from './lib/prng.js';
import { rootCredentials, spawnServer, type ServerProcess } from './lib/server-process.js';
import { JSON_11, REGION, signKms, type Credentials } from './lib/sign.js';
import { bySize, reliabilitySize } from './lib/size.js';

const CASES = Number(process.env.LOCKSMITH_FUZZ_CASES) || bySize(3_000, 100_000);
const CONCURRENCY = 8;
const OPERATIONS = Object.keys(KMS_OPERATIONS);
/** AWS's modelled server faults; KMSInternalException is excluded: Locksmith answers it for an unexpected exception. */
const ALLOWED_FAULTS = new Set(Object.entries(kmsModel.shapes).filter(([name, s]) => s.fault === true && name !== 'KMSInternalException').map(([name]) => name));
const AUTH_ERRORS = new Set(['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'InvalidSignatureException', 'UnrecognizedClientException', 'ExpiredTokenException']);

async function createFixture(endpoint: string, credentials: Credentials): Promise<FuzzFixture> {
  const kms = new KMSClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
  try {
    const key = (await kms.send(new CreateKeyCommand({ Description: 'fuzz' }))).KeyMetadata!;
    const other = (await kms.send(new CreateKeyCommand({ Description: 'fuzz other' }))).KeyMetadata!;
    const disabled = (await kms.send(new CreateKeyCommand({ Description: 'fuzz disabled' }))).KeyMetadata!;
    await kms.send(new DisableKeyCommand({ KeyId: disabled.KeyId }));
    const pending = (await kms.send(new CreateKeyCommand({ Description: 'fuzz pending' }))).KeyMetadata!;
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending.KeyId, PendingWindowInDays: 30 }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/fuzz', TargetKeyId: key.KeyId }));
    const grant = await kms.send(new CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: `arn:aws:iam::${key.AWSAccountId}:root`, Operations: ['Decrypt'] }));
    const has = (op: string) => OPERATIONS.includes(op);
    const signKey = has('Sign') ? (await kms.send(new CreateKeyCommand({ Description: 'fuzz sign', KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata! : undefined;
    const macKey = has('GenerateMac') ? (await kms.send(new CreateKeyCommand({ Description: 'fuzz mac', KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata! : undefined;
    const agreementKey = has('DeriveSharedSecret') ? (await kms.send(new CreateKeyCommand({ Description: 'fuzz ecdh', KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }))).KeyMetadata! : undefined;
    const context = { purpose: 'fuzz' };
    const ct = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('fuzz plaintext'), EncryptionContext: context }));
    return {
      endpoint, credentials, account: key.AWSAccountId!, keyId: key.KeyId!, keyArn: key.Arn!, otherKeyId: other.KeyId!,
      disabledKeyId: disabled.KeyId!, pendingKeyId: pending.KeyId!, alias: 'alias/fuzz', grantId: grant.GrantId!, grantToken: grant.GrantToken!,
      ciphertext: Buffer.from(ct.CiphertextBlob!), context, signKeyId: signKey?.KeyId, macKeyId: macKey?.KeyId, agreementKeyId: agreementKey?.KeyId,
    };
  } finally {
    kms.destroy();
  }
}

/** What is wrong with an answer, or undefined when it is a well-formed AWS JSON error. */
function problem(c: FuzzCase, r: WireResponse): string | undefined {
  const type = r.json?.__type;
  if (r.status >= 500 && !ALLOWED_FAULTS.has(type)) return `HTTP ${r.status} ${type ?? ''}`;
  if (r.status < 400 || r.status > 599) return `HTTP ${r.status}`;
  if (r.headers['content-type'] !== JSON_11) return `content-type ${String(r.headers['content-type'])}`;
  if (typeof r.json !== 'object' || r.json === null || Array.isArray(r.json)) return 'body is not a JSON object';
  if (typeof type !== 'string' || !/^[A-Za-z]+$/.test(type)) return `__type ${JSON.stringify(type)}`;
  if ('message' in r.json && typeof r.json.message !== 'string') return 'message is not a string';
  if (c.reachesProtocol && AUTH_ERRORS.has(type)) return `a correctly signed request failed authentication (${type}: ${r.json.message})`;
  return undefined;
}

const describeCase = (c: FuzzCase) => `#${c.index} ${c.op} [${c.category}] ${c.what}`;

describe(`protocol fuzzing (${reliabilitySize()}: ${CASES} requests)`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-fuzz-'));
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every malformed request gets an AWS-shaped 4xx; the server stays up with bounded memory', { timeout: bySize(180_000, 1_800_000) }, async () => {
    const seed = runSeed();
    console.log(`fuzz seed ${seed} (replay: LOCKSMITH_SEED_RELIABILITY=${seed}; one case: LOCKSMITH_FUZZ_CASE=<index>)`);
    server = await spawnServer(dataDir);
    const f = await createFixture(server.endpoint, rootCredentials(dataDir));
    const agent = keepAliveAgent(CONCURRENCY);
    const only = process.env.LOCKSMITH_FUZZ_CASE;
    const indices = only !== undefined ? [Number(only)] : Array.from({ length: CASES }, (_, i) => i);
    const failures: string[] = [];
    const byOp = new Map<string, number>();
    const byCategory = new Map<string, number>();
    const byType = new Map<string, number>();
    // The V8 heap takes a few thousand requests to reach its working size; RSS is compared from there on.
    const warmup = Math.min(5_000, Math.floor(indices.length / 3));
    let rssBefore = server.rssKiB();
    let rssPeak = rssBefore;
    let done = 0;
    let next = 0;
    const started = Date.now();

    const run = async (i: number) => {
      const c = await buildCase(seed, i, OPERATIONS, f, new Date());
      byOp.set(c.op, (byOp.get(c.op) ?? 0) + 1);
      byCategory.set(c.category, (byCategory.get(c.category) ?? 0) + 1);
      let r: WireResponse;
      try {
        r = await sendWire(f.endpoint, c.request, c.oversize ? undefined : agent);
      } catch (e) {
        // Over the limit the server answers 413 and closes; the client may still be sending the body.
        if (c.oversize && /EPIPE|ECONNRESET/.test((e as Error).message)) return;
        failures.push(`${describeCase(c)}: transport error ${(e as Error).message}`);
        return;
      }
      byType.set(String(r.json?.__type ?? r.status), (byType.get(String(r.json?.__type ?? r.status)) ?? 0) + 1);
      const p = problem(c, r);
      if (p !== undefined && failures.length < 50) failures.push(`${describeCase(c)}: ${p} — ${r.text.slice(0, 200)}`);
      else if (p !== undefined) failures.push('…');
    };

    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < indices.length) {
        const i = indices[next++]!;
        await run(i);
        done++;
        if (done === warmup) rssBefore = server!.rssKiB();
        if (done % 500 === 0) {
          rssPeak = Math.max(rssPeak, server!.rssKiB());
          assert.ok(server!.alive(), `the server died after ${done} requests: ${server!.output().slice(-2000)}`);
        }
        if (done % 10_000 === 0) console.log(`${done} requests, ${failures.length} failures, RSS ${(server!.rssKiB() / 1024).toFixed(0)} MiB`);
      }
    }));
    agent.destroy();
    const elapsed = (Date.now() - started) / 1000;
    const rssAfter = server.rssKiB();
    console.log(`${indices.length} requests in ${elapsed.toFixed(1)} s (${(indices.length / elapsed).toFixed(0)}/s); RSS ${(rssBefore / 1024).toFixed(0)} MiB after warm-up, peak ${(Math.max(rssPeak, rssAfter) / 1024).toFixed(0)} MiB, ${(rssAfter / 1024).toFixed(0)} MiB at the end`);
    console.log(`by category: ${JSON.stringify(Object.fromEntries(byCategory))}`);
    console.log(`answers: ${JSON.stringify(Object.fromEntries([...byType].sort((a, b) => b[1] - a[1])))}`);

    assert.ok(server.alive(), `the server died: ${server.output().slice(-2000)}`);
    assert.deepEqual(failures, [], `${failures.length} bad answers (seed ${seed})`);
    if (only === undefined) {
      for (const op of OPERATIONS) assert.ok((byOp.get(op) ?? 0) >= Math.floor(CASES / OPERATIONS.length / 3), `operation ${op} got ${byOp.get(op) ?? 0} cases`);
      // Bounded: no lasting growth past warm-up, and no runaway peak (huge fields and 1 MiB bodies come and go).
      assert.ok(rssAfter < rssBefore * 1.5, `RSS grew from ${rssBefore} KiB to ${rssAfter} KiB`);
      assert.ok(rssPeak < rssBefore * 2, `RSS peaked at ${rssPeak} KiB (${rssBefore} KiB after warm-up)`);
    }
    // Still serving real work afterwards.
    const ok = await sendWire(f.endpoint, await signKms(f.endpoint, 'Encrypt', { KeyId: f.keyId, Plaintext: Buffer.from('after').toString('base64') }, { credentials: f.credentials, date: new Date() }));
    assert.equal(ok.status, 200, ok.text);
  });
});
