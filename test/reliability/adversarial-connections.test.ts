/**
 * Connection abuse against a `locksmith serve` process: slowloris headers and bodies, idle
 * connections beyond the connection cap, half-open sockets (a partial request, then silence) and
 * clients that pipeline requests and never read the answers — all kept up (closed ones opened)
 * for the whole run. Meanwhile `/health` and a signed Encrypt, each on a fresh connection as a new
 * client would send them, must keep answering 200: 95% within 100 ms (or, when the machine is so
 * loaded that the same probes without the attack miss that, within twice their unattacked p95),
 * none after 1 s. The latencies, attacked and not, are printed.
 * Then 400 connections each send a 1 MiB - 1 byte body and hold the last byte, twice: from the
 * second (warm) start the server's RSS must stay within its body budget plus a fixed allowance,
 * and the first pass (V8's heap warming up too) within twice that (the figures are printed).
 *
 * Size: LOCKSMITH_RELIABILITY=full → 60 s of abuse, cap 512, 1,240 abusive connections kept open,
 * up to 200 new ones a second; default → 10 s, cap 64, 124 kept open, up to 100 new a second.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encryptRequest, eventually, healthRequest, openAbusive, timedRequest, type Abuse, type AbusiveClients } from './lib/abusive-clients.js';
import { rootCredentials, spawnServer, type ServerProcess } from './lib/server-process.js';
import { REGION, type Credentials } from './lib/sign.js';
import { bySize, reliabilitySize } from './lib/size.js';

const CAP = bySize(64, 512);
const DURATION_MS = bySize(10_000, 60_000);
/** Abusive connections kept open per kind; together well past the cap. */
const ATTACK: Record<Abuse, number> = {
  'slow-headers': bySize(20, 240),
  'slow-body': bySize(20, 240),
  idle: bySize(70, 600),
  'half-open': bySize(10, 120),
  'never-reads': bySize(4, 40),
};
/** New abusive connections a second at most (closed ones are reopened at this rate). */
const CONNECTIONS_PER_SECOND = bySize(100, 200);
const LATENCY_BOUND_MS = 100;
/** No probe may wait this long (the machine running the suite may be shared and loaded). */
const STALL_BOUND_MS = 1_000;
const BODY_MEMORY_MIB = 64;
/** RSS allowance beyond the body budget: V8 heap growth, socket objects, garbage not yet collected. */
const RSS_ALLOWANCE_MIB = 96;

const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

describe(`adversarial connections (${reliabilitySize()})`, () => {
  let server: ServerProcess;
  let dataDir: string;
  let credentials: Credentials;
  let keyId: string;
  const groups: AbusiveClients[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const attackers: ChildProcess[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'locksmith-adv-conn-'));
    server = await spawnServer(dataDir, {
      env: {
        LOCKSMITH_MAX_CONNECTIONS: String(CAP),
        LOCKSMITH_HEADERS_TIMEOUT_MS: '3000',
        LOCKSMITH_REQUEST_TIMEOUT_MS: '6000',
        LOCKSMITH_IDLE_TIMEOUT_MS: '5000',
        LOCKSMITH_BODY_MEMORY_MIB: String(BODY_MEMORY_MIB),
      },
    });
    credentials = rootCredentials(dataDir);
    const kms = new KMSClient({ endpoint: server.endpoint, region: REGION, credentials, maxAttempts: 1 });
    keyId = (await kms.send(new CreateKeyCommand({ Description: 'adversarial connections' }))).KeyMetadata!.KeyId!;
    kms.destroy();
  });

  after(async () => {
    for (const g of groups) g.destroy();
    for (const a of attackers) if (a.exitCode === null) a.kill();
    for (const c of cleanups) await c();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** /health and a signed Encrypt, each on a fresh connection, every 100 ms for `ms`. */
  async function probe(ms: number): Promise<{ health: number[]; encrypt: number[]; failures: string[] }> {
    const health: number[] = [];
    const encrypt: number[] = [];
    const failures: string[] = [];
    const started = Date.now();
    while (Date.now() - started < ms) {
      const [h, e] = await Promise.all([
        timedRequest(server.endpoint, healthRequest(server.endpoint)),
        timedRequest(server.endpoint, await encryptRequest(server.endpoint, credentials, keyId)),
      ]);
      health.push(h.ms);
      encrypt.push(e.ms);
      if (h.status !== 200) failures.push(`/health ${h.status} after ${Math.round(h.ms)} ms`);
      if (e.status !== 200) failures.push(`Encrypt ${e.status} after ${Math.round(e.ms)} ms: ${e.body.slice(0, 200)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { health, encrypt, failures };
  }

  it(`/health and a signed Encrypt answer within ${LATENCY_BOUND_MS} ms while every kind of abuse runs`, async () => {
    // The same probes with no attack first, for comparison.
    const quiet = await probe(bySize(3_000, 10_000));
    // The attack runs in a process of its own: the probes below measure the server, not the attacker's event loop.
    let opened = 0;
    let attackerDone!: () => void;
    const finished = new Promise<void>((resolve) => (attackerDone = resolve));
    const attacker = fork(join(import.meta.dirname, 'lib/attacker-process.ts'), { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    attackers.push(attacker);
    attacker.send({ endpoint: server.endpoint, attack: ATTACK, bodyBytes: 64 * 1024 - 1, perSecond: CONNECTIONS_PER_SECOND });
    attacker.on('message', (m: { opened: number; done?: boolean }) => {
      opened = m.opened;
      if (m.done) attackerDone();
    });
    attacker.on('exit', () => attackerDone());
    // Let the attacker open its whole first round (past the cap) before measuring.
    const firstRound = Object.values(ATTACK).reduce((a, b) => a + b, 0);
    assert.ok(await eventually(() => opened >= firstRound, 30_000), `attack under way: ${opened} of ${firstRound} opened`);
    const openedBefore = opened;

    const { health, encrypt, failures } = await probe(DURATION_MS);
    attacker.send('stop');
    await finished;
    console.log(
      `adversarial-connections: unattacked /health p95 ${percentile(quiet.health, 0.95).toFixed(1)} ms, Encrypt p95 ${percentile(quiet.encrypt, 0.95).toFixed(1)} ms; ` +
        `${health.length} probe pairs over ${DURATION_MS / 1000} s, cap ${CAP}, abusive connections opened ${opened}; ` +
        `/health p50 ${percentile(health, 0.5).toFixed(1)} p95 ${percentile(health, 0.95).toFixed(1)} max ${max(health).toFixed(1)} ms; ` +
        `Encrypt p50 ${percentile(encrypt, 0.5).toFixed(1)} p95 ${percentile(encrypt, 0.95).toFixed(1)} max ${max(encrypt).toFixed(1)} ms`,
    );
    assert.deepEqual(quiet.failures, []);
    assert.deepEqual(failures.slice(0, 10), []);
    assert.ok(health.length >= 10);
    // 95% of the probes answer within the bound — or, on a machine so loaded that even unattacked
    // probes miss it, no slower than twice the unattacked figure; none ever stalls.
    for (const [name, ms, unattacked] of [['/health', health, quiet.health], ['Encrypt', encrypt, quiet.encrypt]] as const) {
      const bound = Math.max(LATENCY_BOUND_MS, 2 * percentile(unattacked, 0.95));
      assert.ok(percentile(ms, 0.95) < bound, `${name} p95 ${percentile(ms, 0.95).toFixed(1)} ms, bound ${bound.toFixed(1)} ms`);
      assert.ok(max(ms) < STALL_BOUND_MS, `${name} max ${max(ms).toFixed(1)} ms`);
    }
    assert.ok(opened > CAP, 'the abuse exceeded the cap');
    // Connections kept being closed and reopened while the probes ran: the server stayed at its cap.
    assert.ok(opened - openedBefore > CAP / 2, `reopened during the probes: ${opened - openedBefore}`);
    assert.ok(server.alive());
  });

  it(`400 slow 1 MiB bodies keep the server's RSS within ${BODY_MEMORY_MIB} MiB of bodies + ${RSS_ALLOWANCE_MIB} MiB (default limits)`, async () => {
    // A server of its own with the default limits (its cap is above 400: the body budget binds).
    const bodiesDir = mkdtempSync(join(tmpdir(), 'locksmith-adv-bodies-'));
    const bodies = await spawnServer(bodiesDir);
    cleanups.push(async () => {
      await bodies.stop();
      rmSync(bodiesDir, { recursive: true, force: true });
    });
    // Two passes: the first warms the server up (V8 grows its heap for 400 connections' objects
    // before it collects, by how much depends on the runtime: +97 MiB on Node 20, +155–167 on Node
    // 24 from a just-started server); the second, from that warm RSS, shows what the bodies hold.
    // Bodies that were not bounded would add ~400 MiB in either pass.
    const passes: { baselineMiB: number; growthMiB: number; dropped: number }[] = [];
    for (const pass of ['cold', 'warm']) {
      const baselineKiB = bodies.rssKiB();
      const clients = await openAbusive(bodies.endpoint, 'slow-body', 400, { dribbleMs: 60_000 });
      groups.push(clients);
      let peakKiB = bodies.rssKiB();
      const sampler = setInterval(() => (peakKiB = Math.max(peakKiB, bodies.rssKiB())), 50);
      // Every body sent (handed to the kernel), then the server has read them: all but what fits the budget are dropped.
      await eventually(() => clients.sockets.every((s) => s.destroyed || s.writableLength === 0), 20_000);
      const dropped = await eventually(() => clients.closed() >= 400 - BODY_MEMORY_MIB - 16, 10_000);
      clearInterval(sampler);
      peakKiB = Math.max(peakKiB, bodies.rssKiB());
      assert.ok(dropped, `${pass} pass: bodies dropped past the budget: ${clients.closed()}`);
      passes.push({ baselineMiB: baselineKiB / 1024, growthMiB: (peakKiB - baselineKiB) / 1024, dropped: clients.closed() });
      console.log(`adversarial-connections (${pass}): RSS ${(baselineKiB / 1024).toFixed(0)} MiB → peak ${(peakKiB / 1024).toFixed(0)} MiB (+${((peakKiB - baselineKiB) / 1024).toFixed(0)} MiB) with 400 slow 1 MiB bodies; ${clients.closed()} of them dropped`);
      clients.destroy();
      // The held bodies are released once their connections are gone: the server answers again.
      assert.equal((await timedRequest(bodies.endpoint, healthRequest(bodies.endpoint))).status, 200);
    }
    const warm = passes[1]!;
    assert.ok(warm.growthMiB < BODY_MEMORY_MIB + RSS_ALLOWANCE_MIB, `RSS grew ${warm.growthMiB.toFixed(0)} MiB from a warm ${warm.baselineMiB.toFixed(0)} MiB`);
    // The cold pass includes the heap's warm-up; still bounded (an unbounded body store adds ~400 MiB).
    assert.ok(passes[0]!.growthMiB < 2 * (BODY_MEMORY_MIB + RSS_ALLOWANCE_MIB), `RSS grew ${passes[0]!.growthMiB.toFixed(0)} MiB from a just-started server`);
  });
});
