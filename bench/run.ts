/**
 * Locksmith against the hardware ceiling. `npm run bench` (about 10 minutes), `npm run bench -- --quick`
 * (about a minute), `npm run bench -- --profile` (CPU profile of the server under Encrypt load);
 * `-- --workers N|auto` runs Locksmith, the ceiling and bare signing with N processes each;
 * `-- --kms-only` leaves out the S3 and PostgreSQL benches.
 *
 * Locksmith runs as its own process (`locksmith serve`, fresh data dir, free port); the ceiling is a
 * bare node:http process answering a reply of the same size. Saturation load comes from wrk (C; a
 * Lua script replays pre-signed requests, 64 keep-alive connections), half load from an open-loop
 * pacer (wrk cannot pace; measured after a few unmeasured seconds at that rate), both rotating through pre-signed requests of an IAM user whose inline
 * policy allows the calls (SigV4 + key policy + IAM evaluation on every call). Server CPU per
 * request is read from /proc. The stage table runs a server with LOCKSMITH_STAGE_TIMING=1 under one
 * connection and reads its per-stage CPU from /metrics.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKmsFixture, implemented, presignedPool, BENCH_OPERATIONS, OPTIONAL_OPERATIONS, type KmsFixture } from '../test/reliability/lib/kms-fixture.js';
import { sendWire } from '../test/reliability/lib/http.js';
import { errorCount, paced, percentile } from '../test/reliability/lib/paced.js';
import { processTreeCpuSeconds, rootCredentials, spawnServer, type ServerProcess } from '../test/reliability/lib/server-process.js';
import type { WireRequest } from '../test/reliability/lib/sign.js';
import { summarizeCpuProfile, type ProfileSummary } from './lib/cpu-profile.js';
import { bareP256SignsPerSecondIn } from './lib/bare-sign.js';
import { fdatasyncLatencyMs } from './lib/fsync-latency.js';
import { spawnListening } from './lib/listening.js';
import type { SaturationResult } from './lib/saturate.js';
import { saturateWrk as saturate } from './lib/wrk.js';
import { stageTable } from './lib/stage-table.js';
import { RESULTS_DIR } from './lib/results-dir.js';
import { inRoundOrder } from './lib/round-order.js';

const ROOT = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profileMode = args.includes('--profile');
const CONNECTIONS = 64;
const kmsOnly = args.includes('--kms-only');
/**
 * Server processes (`serve --workers`, default 1; `--workers auto` = one per CPU), and as many for
 * the ceiling and bare signing; the profile always uses one.
 */
const workersArg = args.includes('--workers') ? args[args.indexOf('--workers') + 1]! : '1';
const WORKERS = profileMode ? 1 : workersArg === 'auto' ? availableParallelism() : Number(workersArg);
if (!Number.isInteger(WORKERS) || WORKERS < 1) throw new Error(`--workers: a positive integer or 'auto', not '${workersArg}'`);
const workerArgs = WORKERS > 1 ? ['--workers', String(WORKERS)] : [];
const cfg = quick
  ? { globalWarmupS: 1, warmupS: 0, satS: 2, settleS: 0.5, halfS: 1.5, stageS: 2, pool: 64 }
  : { globalWarmupS: 3, warmupS: 2, satS: 10, settleS: 3, halfS: 10, stageS: 8, pool: 256 };

interface Row {
  target: string;
  sat: SaturationResult;
  half?: { rate: number; achieved: number; p50: number; p99: number; errors: number };
  /** The ceiling paced at this row's half-load rate: its p99 is what this row's half-load p99 is compared to. */
  ceilingHalf?: { rate: number; achieved: number; p50: number; p99: number; errors: number };
}

const log = (s: string) => process.stderr.write(s + '\n');

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: Number(execFileSync('nproc').toString().trim()),
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown',
    node: process.version,
    memGiB: Math.round(Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024 / 1024),
  };
}

/** S3 server-side encryption (SSE-KMS vs SSE-S3, Bucket Keys), run as its own process (bench/s3-sse.bench.ts). */
function s3Sse(): string {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 's3-sse.bench.ts'), ...(quick ? ['--quick'] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 }).toString();
  return out.split('\n').filter((l) => !l.startsWith('JSON: ')).join('\n').trim();
}

/** The existing micro-benchmark of one authorization decision, run as its own process. */
function policyDecision(): { label: string; us: number }[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'policy-decision.bench.ts')], { cwd: ROOT }).toString();
  return [...out.matchAll(/^(.*): ([\d.]+) µs\/decision/gm)].map((m) => ({ label: m[1]!, us: Number(m[2]) }));
}

/** bench/s3.bench.ts as its own process (its own server): S3 PUT/GET against the disk, 4 KiB PUT req/s. */
function s3Bench(): string {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 's3.bench.ts'), ...(quick ? ['--quick'] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  return out.trim();
}

/** The signing ceiling (ceiling-server.ts `sign`) at saturation: req/s with the Sign pool's requests. */
async function signingCeilingRps(pool: WireRequest[]): Promise<number> {
  const server = await startCeiling(0, 'sign');
  try {
    return (await saturate(server.endpoint, pool, { connections: CONNECTIONS, seconds: cfg.satS, warmupSeconds: Math.max(1, cfg.warmupS) })).rps;
  } finally {
    server.proc.kill('SIGTERM');
  }
}

function startCeiling(replyBytes: number, mode: '' | 'sign' = ''): Promise<{ proc: ChildProcess; endpoint: string }> {
  return spawnListening(['--import', 'tsx', join(import.meta.dirname, 'lib/ceiling-server.ts'), String(replyBytes), String(WORKERS), mode]);
}

/**
 * Latency at `rate` once steady: the first `settleS` seconds at that rate are not measured. Right
 * after saturation a server still drains what it built up meanwhile (Locksmith: the WAL checkpoint
 * and the garbage of the saturated seconds): the first second at half load had p99 10–37 ms, the
 * following ones mostly 4–9 (bench/README.md, "Half load after saturation").
 */
async function halfLoad(endpoint: string, pool: WireRequest[], rate: number) {
  const run = (seconds: number) => paced({ endpoint, rate, durationMs: seconds * 1000, next: (i) => pool[i % pool.length]!, connections: CONNECTIONS });
  const settling = errorCount(await run(cfg.settleS));
  const r = await run(cfg.halfS);
  const errors = settling + errorCount(r);
  if (errors > 0) log(`  ! ${errors} errors at half load: ${r.samples.slice(0, 3).join(' | ')}`);
  return { rate, achieved: r.achievedRps, p50: percentile(r.latenciesMs, 50), p99: percentile(r.latenciesMs, 99), errors };
}

async function checkPool(endpoint: string, op: string, pool: WireRequest[]): Promise<number> {
  const r = await sendWire(endpoint, pool[0]!);
  if (r.status !== 200) throw new Error(`${op} does not succeed (${r.status}): ${r.text}`);
  return Buffer.byteLength(r.text);
}

const mean = (v: number[]) => v.reduce((sum, x) => sum + x, 0) / v.length;
const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const x = (v: number) => (v >= 10 ? v.toFixed(0) : v.toFixed(1)) + '×';

function table(rows: Row[], ceiling: Row, policy: { label: string; us: number }[], replyBytes: Record<string, number>): string {
  const c = ceiling.sat;
  const lines = [
    `| target | reply B | req/s @${CONNECTIONS} conns (wrk) | × ceiling | server CPU µs/req | CPU × ceil | p50 ms | p99 ms | p99 ÷ p50 | half-load rate | p50 ms | p99 ms | ceiling p99 ms @ same rate | p99 × ceil |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of [ceiling, ...rows]) {
    const s = r.sat;
    const h = r.half!;
    const isCeil = r === ceiling;
    const ch = r.ceilingHalf;
    lines.push(
      `| ${r.target} | ${replyBytes[r.target] ?? ''} | ${s.rps.toFixed(0)} | ${isCeil ? '1' : (s.rps / c.rps).toFixed(3)} | ` +
        `${s.serverCpuUs?.toFixed(0) ?? '?'} | ${isCeil ? '1' : s.serverCpuUs && c.serverCpuUs ? x(s.serverCpuUs / c.serverCpuUs) : '?'} | ${ms(s.p50)} | ${ms(s.p99)} | ${x(s.p99 / s.p50)} | ` +
        `${h.rate.toFixed(0)} | ${ms(h.p50)} | ${ms(h.p99)} | ${isCeil ? '' : ch ? ms(ch.p99) : '?'} | ${isCeil ? '1' : ch ? x(h.p99 / ch.p99) : '?'} |`,
    );
  }
  lines.push('');
  for (const p of policy) lines.push(`Policy decision (bench/policy-decision.bench.ts), ${p.label}: **${p.us.toFixed(2)} µs** — ${((p.us / (1e6 / c.rps)) * 100).toFixed(1)} % of one ceiling request's time (${(1e6 / c.rps).toFixed(0)} µs).`);
  return lines.join('\n');
}

/** Fresh servers (started together), each with its bench fixture; stopped and removed afterwards. */
async function withServers<T>(serveArgs: string[][], nodeArgs: string[], fn: (servers: { server: ServerProcess; fixture: KmsFixture }[]) => Promise<T>): Promise<T> {
  const dataDirs = serveArgs.map(() => mkdtempSync(join(tmpdir(), 'locksmith-bench-')));
  const started = await Promise.allSettled(dataDirs.map((dir, i) => spawnServer(dir, { nodeArgs, serveArgs: [...workerArgs, ...serveArgs[i]!], built: true })));
  try {
    const servers = started.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
    const fixtures = await Promise.all(servers.map((server, i) => createKmsFixture(server.endpoint, rootCredentials(dataDirs[i]!), { ciphertexts: cfg.pool })));
    return await fn(servers.map((server, i) => ({ server, fixture: fixtures[i]! })));
  } finally {
    for (const r of started) if (r.status === 'fulfilled') await r.value.stop('SIGTERM');
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}

const withServer = <T>(nodeArgs: string[], fn: (s: ServerProcess, f: KmsFixture) => Promise<T>): Promise<T> =>
  withServers([[]], nodeArgs, ([one]) => fn(one!.server, one!.fixture));

interface AuditCost {
  rounds: number;
  withAudit: { rps: number[]; p50: number[]; p99: number[]; cpuUs: number[] };
  withoutAudit: { rps: number[]; p50: number[]; p99: number[]; cpuUs: number[] };
  /** Share of Encrypt throughput that audit-first costs: 1 − with/without (means over the rounds). */
  cost: number;
}

/**
 * What audit-first costs: Encrypt at saturation on two fresh servers, one normal and one started
 * with --insecure-skip-audit (answers without recording), alternating so drift hits both alike —
 * and which goes first alternates too (inRoundOrder).
 */
async function auditCost(): Promise<AuditCost> {
  const rounds = quick ? 2 : 4;
  const result: AuditCost = { rounds, withAudit: { rps: [], p50: [], p99: [], cpuUs: [] }, withoutAudit: { rps: [], p50: [], p99: [], cpuUs: [] }, cost: 0 };
  await withServers([[], ['--insecure-skip-audit']], [], async ([on, off]) => {
    for (let round = 0; round < rounds; round++) {
      const servers = [
        [on!, result.withAudit],
        [off!, result.withoutAudit],
      ] as const;
      for (const [{ server, fixture }, into] of inRoundOrder(servers, round)) {
        const pool = await presignedPool(fixture, 'Encrypt', cfg.pool);
        const sat = await saturate(server.endpoint, pool, {
          connections: CONNECTIONS,
          seconds: cfg.satS,
          warmupSeconds: quick ? 0.5 : Math.max(1, cfg.warmupS),
          serverCpuSeconds: () => processTreeCpuSeconds(server.pid),
        });
        if (sat.non2xx > 0 || sat.errors > 0) throw new Error(`audit cost: ${sat.non2xx} non-2xx answers and ${sat.errors} errors`);
        into.rps.push(sat.rps);
        into.p50.push(sat.p50);
        into.p99.push(sat.p99);
        into.cpuUs.push(sat.serverCpuUs ?? NaN);
      }
    }
  });
  result.cost = 1 - mean(result.withAudit.rps) / mean(result.withoutAudit.rps);
  return result;
}

function auditCostTable(a: AuditCost): string {
  const row = (label: string, r: AuditCost['withAudit']) =>
    `| ${label} | ${r.rps.map((v) => v.toFixed(0)).join(' / ')} | ${mean(r.rps).toFixed(0)} | ${mean(r.cpuUs).toFixed(0)} | ${ms(mean(r.p50))} | ${ms(mean(r.p99))} |`;
  return [
    `Audit-first cost (Encrypt at saturation, ${a.rounds} alternating round(s) of ${cfg.satS} s on two fresh servers):`,
    '',
    '| server | req/s per round | mean req/s | server CPU µs/req | p50 ms | p99 ms |',
    '|---|--:|--:|--:|--:|--:|',
    row('audit-first (default)', a.withAudit),
    row('--insecure-skip-audit', a.withoutAudit),
    '',
    `Audit-first costs **${(a.cost * 100).toFixed(1)} %** of Encrypt throughput (target ≤ 10 %); ` +
      `in server CPU per request, recording is ${((1 - mean(a.withoutAudit.cpuUs) / mean(a.withAudit.cpuUs)) * 100).toFixed(1)} % of an audited call's CPU.`,
  ].join('\n');
}

async function bench(): Promise<void> {
  const started = new Date();
  const m = machine();
  const loadAtStart = loadavg()[0]!.toFixed(2);
  log(`machine: ${m.nproc} × ${m.cpu}, node ${m.node}; mode ${quick ? 'quick' : 'full'}; ${WORKERS} worker process(es); load average ${loadAtStart}`);
  log('policy decision micro-benchmark…');
  const policy = policyDecision();
  const notes: string[] = [];
  for (const op of OPTIONAL_OPERATIONS) if (!implemented(op)) notes.push(`${op}: not implemented by Locksmith yet (UnsupportedOperationException) — skipped.`);
  if (implemented('Sign')) notes.push('Sign: ECC_NIST_P256 key, ECDSA_SHA_256 over a 32-byte RAW message.');
  if (implemented('GenerateMac')) notes.push('GenerateMac: HMAC_256 key, HMAC_SHA_256 over a 32-byte message.');

  await withServer([], async (server, fixture) => {
    const replyBytes: Record<string, number> = {};
    const pools: Record<string, WireRequest[]> = {};
    for (const op of Object.keys(BENCH_OPERATIONS)) {
      pools[op] = await presignedPool(fixture, op, cfg.pool);
      replyBytes[op] = await checkPool(server.endpoint, op, pools[op]);
    }
    const ceilingServer = await startCeiling(replyBytes.Encrypt!);
    replyBytes.ceiling = replyBytes.Encrypt!;
    const rssBefore = server.rssKiB();
    try {
      log('warming up (every operation, then the ceiling)…');
      for (const op of Object.keys(BENCH_OPERATIONS)) await saturate(server.endpoint, pools[op]!, { connections: CONNECTIONS, seconds: cfg.globalWarmupS, warmupSeconds: 0 });
      log('ceiling (bare node:http, Encrypt requests, same-size reply)…');
      const ceilingCpu = () => processTreeCpuSeconds(ceilingServer.proc.pid!);
      const ceiling: Row = { target: 'ceiling', sat: await saturate(ceilingServer.endpoint, pools.Encrypt!, { connections: CONNECTIONS, seconds: cfg.satS, warmupSeconds: Math.max(1, cfg.warmupS), serverCpuSeconds: ceilingCpu }) };
      const rows: Row[] = [];
      for (const op of Object.keys(BENCH_OPERATIONS)) {
        log(`${op}: saturation…`);
        const pool = await presignedPool(fixture, op, cfg.pool); // fresh signatures for each phase
        const sat = await saturate(server.endpoint, pool, { connections: CONNECTIONS, seconds: cfg.satS, warmupSeconds: cfg.warmupS, serverCpuSeconds: () => processTreeCpuSeconds(server.pid) });
        if (sat.non2xx > 0 || sat.errors > 0) throw new Error(`${op}: ${sat.non2xx} non-2xx answers and ${sat.errors} errors under saturation`);
        log(`  ${sat.rps.toFixed(0)} req/s, p50 ${ms(sat.p50)} ms, p99 ${ms(sat.p99)} ms; half load at ${(sat.rps / 2).toFixed(0)} req/s…`);
        const half = await halfLoad(server.endpoint, pool, Math.round(sat.rps / 2));
        rows.push({ target: op, sat, half });
      }
      // The ceiling paced at each row's half-load rate: p99 against p99 at the same rate. (Not at half its own
      // saturation: the Node pacer cannot send tens of thousands of requests a second on the same cores.)
      const ceilingAt = new Map<number, NonNullable<Row['ceilingHalf']>>();
      for (const rate of new Set(rows.map((r) => r.half!.rate))) {
        log(`ceiling paced at ${rate} req/s…`);
        ceilingAt.set(rate, await halfLoad(ceilingServer.endpoint, pools.Encrypt!, rate));
      }
      for (const r of rows) r.ceilingHalf = ceilingAt.get(r.half!.rate);
      ceiling.half = rows[0]!.ceilingHalf!; // the ceiling row shows it at Encrypt's half-load rate
      const rssAfter = server.rssKiB();
      const sign = rows.find((r) => r.target === 'Sign');
      const bareSign = sign ? await bareP256SignsPerSecondIn(WORKERS, cfg.satS) : undefined;
      // What any Sign server on node:http reaches here: the ceiling that signs each request body, nothing else.
      const signingCeiling = sign ? await signingCeilingRps(pools.Sign!) : undefined;
      log('audit-first cost: Encrypt with and without the audit trail…');
      const audit = await auditCost();
      const fsync = fdatasyncLatencyMs();
      log('stage table: a server with LOCKSMITH_STAGE_TIMING=1, one connection…');
      const stages = await stageTable({ ops: Object.keys(BENCH_OPERATIONS), seconds: cfg.stageS, pool: cfg.pool, log });
      if (!kmsOnly) log('S3: PUT/GET against the disk, 4 KiB PUT req/s (bench/s3.bench.ts)…');
      const s3 = kmsOnly ? '' : s3Bench();
      const signLine = sign && bareSign
        ? `\n\nSign (ECDSA P-256) vs bare node:crypto signing in ${WORKERS} process(es) (${bareSign.toFixed(0)} signatures/s): **${(sign.sat.rps / bareSign).toFixed(3)}×** (target ≥ 0.6). ` +
          `A bare node:http server that only signs each request body (no SigV4, policy or audit) serves ${signingCeiling!.toFixed(0)} req/s: ${(signingCeiling! / bareSign).toFixed(3)}× bare signing.`
        : '';
      const fsyncLine =
        `\n\nDisk floor under audit-first latency (a call waits for its record's WAL fsync): 4 KiB append + fdatasync, ` +
        `500 samples: p50 **${ms(fsync.p50)} ms**, p99 **${ms(fsync.p99)} ms**, max ${ms(fsync.max)} ms.`;
      if (!kmsOnly) log('S3 server-side encryption (bench/s3-sse.bench.ts)…');
      const sse = kmsOnly ? '' : s3Sse();
      const text = [table(rows, ceiling, policy, replyBytes) + signLine, auditCostTable(audit) + fsyncLine, stages.text, s3, sse].filter((t) => t !== '').join('\n\n');
      const load = loadavg()[0]!.toFixed(2);
      console.log(`\nLocksmith vs the ceiling — ${m.nproc} × ${m.cpu}, node ${m.node}, ${quick ? 'quick' : 'full'} run, ${WORKERS} worker process(es) for Locksmith and the ceiling, ${started.toISOString()}, load average ${loadAtStart} at the start, ${load} at the end\n`);
      console.log(text);
      for (const n of notes) console.log(`\n${n}`);
      console.log(`\nServer RSS ${(rssBefore / 1024).toFixed(0)} MiB before the load, ${(rssAfter / 1024).toFixed(0)} MiB after.`);
      const errors = rows.reduce((a, r) => a + r.half!.errors + (r.ceilingHalf?.errors ?? 0), 0);
      mkdirSync(RESULTS_DIR, { recursive: true });
      const file = join(RESULTS_DIR, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
      writeFileSync(file, JSON.stringify({ started, mode: quick ? 'quick' : 'full', machine: m, loadAverage: { start: Number(loadAtStart), end: Number(load) }, config: { ...cfg, connections: CONNECTIONS, workers: WORKERS }, ceiling, rows, policy, bareSignPerSecond: bareSign, signingCeilingPerSecond: signingCeiling, auditCost: audit, fdatasyncMs: fsync, replyBytes, rssKiB: { before: rssBefore, after: rssAfter }, stages: stages.rows, notes, table: text }, null, 2));
      console.log(`\nwritten ${file}`);
      // Several nodes on PostgreSQL at scale (1 M keys, 10 M audit records; --quick: reduced), unless --no-postgres.
      if (!kmsOnly && !args.includes('--no-postgres')) {
        log('PostgreSQL at scale (bench/postgres.bench.ts)…');
        const pgArgs = [join(import.meta.dirname, 'postgres.bench.ts'), ...(quick ? ['--quick'] : [])];
        console.log(`\nPostgreSQL at scale:\n\n${execFileSync(process.execPath, ['--import', 'tsx', ...pgArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 }).toString()}`);
      }
      if (errors > 0) throw new Error(`${errors} errors at half load`);
    } finally {
      ceilingServer.proc.kill('SIGTERM');
    }
  });
}

/** CPU profile of the server while it serves Encrypt at saturation. */
async function profile(): Promise<void> {
  const seconds = Number(args[args.indexOf('--seconds') + 1]) || (quick ? 5 : 15);
  const dir = join(RESULTS_DIR, `profile-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const op = args.includes('--op') ? args[args.indexOf('--op') + 1]! : 'Encrypt';
  let sat: SaturationResult | undefined;
  const spawnedAt = Date.now();
  let skipMs = 0;
  await withServer(['--cpu-prof', '--cpu-prof-dir', dir], async (server, fixture) => {
    const pool = await presignedPool(fixture, op, cfg.pool);
    log(`warming up for ${cfg.globalWarmupS} s, then profiling the server under ${op} load for ${seconds} s…`);
    await saturate(server.endpoint, pool, { connections: CONNECTIONS, seconds: cfg.globalWarmupS, warmupSeconds: 0 });
    skipMs = Date.now() - spawnedAt; // start-up, set-up and warm-up stay out of the summary
    sat = await saturate(server.endpoint, pool, { connections: CONNECTIONS, seconds, warmupSeconds: 0 });
  });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const s: ProfileSummary = summarizeCpuProfile(join(dir, file), ROOT, 25, skipMs);
  console.log(`\n${op} at saturation: ${sat!.rps.toFixed(0)} req/s. Profile ${join(dir, file)}: ${(s.totalMs / 1000).toFixed(1)} s of samples under load, main thread busy ${s.busyPercent.toFixed(0)} %.\n`);
  console.log('| self time % of busy | function | where |\n|--:|---|---|');
  for (const f of s.functions) console.log(`| ${f.percent.toFixed(1)} | ${f.name} | ${f.where} |`);
  console.log('\n| inclusive % of busy | Locksmith function | where |\n|--:|---|---|');
  for (const f of s.inclusive) console.log(`| ${f.percent.toFixed(1)} | ${f.name} | ${f.where} |`);
  console.log('\n| self time % of busy | area |\n|--:|---|');
  for (const a of s.areas.slice(0, 20)) console.log(`| ${a.percent.toFixed(1)} | ${a.name} |`);
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ op, sat, summary: s }, null, 2));
}

(profileMode ? profile() : bench()).catch((e: Error) => {
  console.error(`bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
