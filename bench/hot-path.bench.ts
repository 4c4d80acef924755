/**
 * Server CPU per request on the KMS hot path (one target at a time, robust on a loaded machine):
 * `node --import tsx bench/hot-path.bench.ts [--ops Encrypt,Decrypt] [--seconds 5] [--skip-audit]
 * [--profile] [--ceiling]`. Runs the built server (`npm run build` first), drives each operation
 * with wrk (64 keep-alive connections, pre-signed pool) and reports CPU µs per request from /proc;
 * `--ceiling` adds the bare node:http server; `--profile` writes a .cpuprofile per thread and prints
 * the other threads' top functions (the audit writer's first), then the main thread's top and its
 * µs per request by stage over the last operation's measured seconds (the profiles stay in the
 * data directory it names);
 * `--compare <other dist/cli/main.js>` alternates rounds against another build (A/B in one run; the
 * order within a round alternates too, so an even number of rounds cancels what one run leaves the next);
 * `--cli <other dist/cli/main.js>` measures (or profiles) another build alone; `--connections N`
 * (default 64: fewer show the cost per group commit, which grows as commits get smaller);
 * `--perf` samples the measured seconds with Linux perf (every thread, kernel and SQLite included,
 * on-CPU time only, unlike the V8 profile's main-thread wall time) and prints the top symbols of the
 * busiest threads (needs `perf`, Debian package linux-perf, and root or perf_event_paranoid ≤ 1);
 * `--workers N` starts every Locksmith server with `serve --workers N`. Each measured operation also
 * prints, per busy thread, its share of the measured seconds on a CPU and runnable but waiting for one.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKmsFixture, presignedPool } from '../test/reliability/lib/kms-fixture.js';
import { processTreeCpuSeconds, rootCredentials, spawnServer, threadCpuTicks } from '../test/reliability/lib/server-process.js';
import { sendWire } from '../test/reliability/lib/http.js';
import { stagesInWindow, summarizeCpuProfile } from './lib/cpu-profile.js';
import { spawnListening } from './lib/listening.js';
import { inRoundOrder } from './lib/round-order.js';
import { wrk } from './lib/wrk.js';
import type { WireRequest } from '../test/reliability/lib/sign.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const ops = opt('--ops', 'Encrypt,Decrypt,GenerateDataKey,Sign').split(',');
const seconds = Number(opt('--seconds', '5'));
const profile = args.includes('--profile');
const CONNECTIONS = Number(opt('--connections', '64'));
/** `--perf`: the measured seconds are also sampled by Linux perf (every thread, kernel included); the report is printed per thread. */
const perf = args.includes('--perf');
/** What every server here is started with besides its port and data directory: `--skip-audit`, `--workers N`. */
const serveArgs = [...(args.includes('--skip-audit') ? ['--insecure-skip-audit'] : []), ...(args.includes('--workers') ? ['--workers', opt('--workers', '')] : [])];

async function measure(endpoint: string, pid: number, pool: WireRequest[]) {
  await wrk(endpoint, pool, { seconds: 2, connections: CONNECTIONS }); // warm-up (JIT)
  const before = processTreeCpuSeconds(pid);
  const threadsBefore = threadCpuTicks(pid);
  const schedBefore = schedStats(pid);
  const sampling = perf ? perfRecord(pid, seconds) : undefined;
  const fromUs = monotonicUs();
  const r = await wrk(endpoint, pool, { seconds, connections: CONNECTIONS });
  const window = { fromUs, toUs: monotonicUs() };
  const sched = schedShares(schedBefore, schedStats(pid), (window.toUs - window.fromUs) * 1000);
  await sampling;
  const cpu = processTreeCpuSeconds(pid) - before;
  // µs of user / system CPU per request, per thread (ticks are 10 ms: a rough split).
  let mainUs = 0;
  const threads = [...threadCpuTicks(pid)].map(([tid, t]) => {
    const b = threadsBefore.get(tid) ?? { user: 0, sys: 0 };
    if (tid === 'main') mainUs = ((t.user - b.user + t.sys - b.sys) * 1e4) / r.requests;
    return `${tid} ${(((t.user - b.user) * 1e4) / r.requests).toFixed(0)}u+${(((t.sys - b.sys) * 1e4) / r.requests).toFixed(0)}s`;
  });
  return { rps: r.rps, cpuUs: (cpu * 1e6) / r.requests, mainUs, window, p50: r.p50, p99: r.p99, non2xx: r.non2xx, threads: threads.join(', '), sched };
}

/** Per thread, from /proc/<pid>/task/<tid>/schedstat: ns on a CPU and ns runnable but waiting for one. */
function schedStats(pid: number): Map<string, { run: number; wait: number }> {
  const out = new Map<string, { run: number; wait: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      out.set(tid === String(pid) ? 'main' : tid, { run: run!, wait: wait! });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * The threads that ran at least 5 % of the measured window: the share of it each spent on a CPU and
 * runnable but waiting for one. A thread near 100 % on a CPU bounds the rate; a waiting share says
 * the cores were taken (by the other threads, wrk, the kernel).
 */
function schedShares(before: Map<string, { run: number; wait: number }>, after: Map<string, { run: number; wait: number }>, windowNs: number): string {
  const shares: string[] = [];
  for (const [tid, a] of after) {
    const b = before.get(tid) ?? { run: 0, wait: 0 };
    const run = (a.run - b.run) / windowNs;
    if (run >= 0.05) shares.push(`${tid} on a CPU ${(run * 100).toFixed(0)} %, waiting ${(((a.wait - b.wait) / windowNs) * 100).toFixed(0)} %`);
  }
  return shares.join('; ');
}

/** perf record over `seconds` of the server's threads, then the top symbols of its three busiest threads. */
async function perfRecord(pid: number, seconds: number): Promise<void> {
  const data = join(tmpdir(), `locksmith-perf-${pid}.data`);
  const run = async (argv: string[]) => (await promisify(execFile)('perf', argv, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  await run(['record', '-F', '1999', '-p', String(pid), '-o', data, '--', 'sleep', String(Math.max(1, seconds - 1))]);
  const byThread = await run(['report', '-i', data, '--no-children', '--sort', 'pid', '--stdio']);
  const threads = [...byThread.matchAll(/^\s+([\d.]+)%\s+(\d+):/gm)].slice(0, 3);
  for (const [, pct, tid] of threads) {
    const top = await run(['report', '-i', data, '--tid', tid!, '--no-children', '--sort', 'dso,sym', '--stdio']);
    console.log(`  perf: thread ${tid} ${pct}% of samples; its top symbols (% of all samples):`);
    for (const line of top.split('\n').filter((l) => /^\s+[\d.]+%/.test(l)).slice(0, 15)) console.log(`    ${line.trim()}`);
  }
  rmSync(data, { force: true });
}

async function ceiling(): Promise<void> {
  const { proc, endpoint } = await spawnListening(['--import', 'tsx', join(import.meta.dirname, 'lib/ceiling-server.ts'), '200', '1']);
  // HTTP/1.1 requires Host: without it node:http answers 400 and closes, and wrk measured reconnects.
  const headers = { host: new URL(endpoint).host, 'content-type': 'application/x-amz-json-1.1' };
  const pool: WireRequest[] = [{ method: 'POST', path: '/', headers, body: Buffer.from('{"KeyId":"x","Plaintext":"AAAA"}') }];
  const r = await measure(endpoint, proc.pid!, pool);
  if (r.non2xx > 0) throw new Error(`the ceiling answered ${r.non2xx} requests other than 2xx`);
  console.log(`ceiling: ${r.rps.toFixed(0)} req/s, ${r.cpuUs.toFixed(1)} µs CPU/req, p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms`);
  proc.kill('SIGTERM');
}

/** A server from another build (`--compare`), started like spawnServer does. */
async function spawnOther(cli: string, dataDir: string, nodeArgs: string[] = []): Promise<{ proc: ChildProcess; endpoint: string; pid: number }> {
  const { proc, endpoint } = await spawnListening([...nodeArgs, cli, 'serve', '--port', '0', '--data-dir', dataDir, ...serveArgs], {
    env: { ...process.env, LOCKSMITH_ROOT_KEY_FILE: undefined, LOCKSMITH_SEED: undefined } as NodeJS.ProcessEnv,
    stderr: 'ignore',
  });
  return { proc, endpoint, pid: proc.pid! };
}

async function compare(other: string): Promise<void> {
  const rounds = Number(opt('--rounds', '3'));
  const dirs = [mkdtempSync(join(tmpdir(), 'locksmith-hot-a-')), mkdtempSync(join(tmpdir(), 'locksmith-hot-b-'))];
  const mine = await spawnServer(dirs[0]!, { built: true, serveArgs });
  const base = await spawnOther(other, dirs[1]!);
  try {
    const servers = [
      { label: 'base', endpoint: base.endpoint, pid: base.pid, dir: dirs[1]! },
      { label: 'this', endpoint: mine.endpoint, pid: mine.pid, dir: dirs[0]! },
    ];
    const fixtures = await Promise.all(servers.map((s) => createKmsFixture(s.endpoint, rootCredentials(s.dir), { ciphertexts: 64 })));
    for (const op of ops) {
      const cpu: number[][] = [[], []];
      const rps: number[][] = [[], []];
      const p99: number[][] = [[], []];
      for (let round = 0; round < rounds; round++) {
        for (const i of inRoundOrder([0, 1], round)) {
          const pool = await presignedPool(fixtures[i]!, op, 64);
          const r = await measure(servers[i]!.endpoint, servers[i]!.pid, pool);
          if (r.non2xx > 0) throw new Error(`${op} on ${servers[i]!.label}: ${r.non2xx} non-2xx`);
          cpu[i]!.push(r.cpuUs);
          rps[i]!.push(r.rps);
          p99[i]!.push(r.p99);
        }
      }
      const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
      console.log(`${op}${args.includes('--skip-audit') ? ' (skip audit)' : ''}: CPU µs/req base ${cpu[0]!.map((v) => v.toFixed(0)).join('/')} (median ${med(cpu[0]!).toFixed(0)}) → this ${cpu[1]!.map((v) => v.toFixed(0)).join('/')} (median ${med(cpu[1]!).toFixed(0)}); req/s base ${med(rps[0]!).toFixed(0)} → this ${med(rps[1]!).toFixed(0)}; p99 ms base ${p99[0]!.map((v) => v.toFixed(1)).join('/')} → this ${p99[1]!.map((v) => v.toFixed(1)).join('/')}`);
    }
  } finally {
    await mine.stop('SIGTERM');
    base.proc.kill('SIGTERM');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** The last measured operation: its main thread's CPU µs per request (profile shares become µs with it) and its measured seconds (CLOCK_MONOTONIC µs). */
let last = { mainUs: 0, window: { fromUs: 0, toUs: 0 } };
/** CLOCK_MONOTONIC in µs, the clock V8 stamps profile samples with. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  if (args.includes('--ceiling')) await ceiling();
  if (args.includes('--compare')) return compare(opt('--compare', ''));
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-hot-'));
  const profDir = join(dataDir, 'prof');
  const nodeArgs = [...(profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), ...(perf ? ['--perf-basic-prof-only-functions'] : [])];
  // `--cli <dist/cli/main.js>`: measure another build instead of this worktree's.
  const other = args.includes('--cli') ? await spawnOther(opt('--cli', ''), dataDir, nodeArgs) : undefined;
  const server = other
    ? {
        endpoint: other.endpoint,
        pid: other.pid,
        stop: () => new Promise<void>((resolve) => {
          other.proc.once('exit', () => resolve());
          other.proc.kill('SIGINT');
        }),
      }
    : await spawnServer(dataDir, { built: true, nodeArgs, serveArgs });
  try {
    const fixture = await createKmsFixture(server.endpoint, rootCredentials(dataDir), { ciphertexts: 64 });
    for (const op of ops) {
      const pool = await presignedPool(fixture, op, 64);
      const first = await sendWire(server.endpoint, pool[0]!);
      if (first.status !== 200) throw new Error(`${op}: ${first.status} ${first.text}`);
      const r = await measure(server.endpoint, server.pid, pool);
      last = r;
      console.log(`${op}${args.includes('--skip-audit') ? ' (skip audit)' : ''}: ${r.rps.toFixed(0)} req/s, ${r.cpuUs.toFixed(1)} µs CPU/req, p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms, non2xx ${r.non2xx}`);
      console.log(`  µs per request by thread (user+sys): ${r.threads}`);
      console.log(`  of the measured seconds, by thread: ${r.sched}`);
    }
  } finally {
    await server.stop('SIGINT');
  }
  if (profile) {
    // One profile per thread, named CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the
    // main thread, 1 the audit writer, 2 the WAL checkpointer (in the order the server starts them).
    const thread = (f: string) => Number(f.split('.')[4]);
    const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => thread(a) - thread(b));
    const file = files[0];
    const root = args.includes('--cli') ? join(opt('--cli', ''), '../../..') : join(import.meta.dirname, '..');
    for (const other of files.slice(1)) {
      const t = summarizeCpuProfile(join(profDir, other), root, 12, 3000);
      console.log(`profile ${join(profDir, other)} (thread ${thread(other)}): busy ${t.busyPercent.toFixed(0)} %`);
      for (const f of t.functions) console.log(`  self ${f.percent.toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`);
    }
    if (file) {
      const s = summarizeCpuProfile(join(profDir, file), root, 45, 3000);
      console.log(`profile ${join(profDir, file)}: busy ${s.busyPercent.toFixed(0)} %`);
      for (const f of s.functions) console.log(`  self ${f.percent.toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`);
      for (const a of s.areas.slice(0, 20)) console.log(`  area ${a.percent.toFixed(1).padStart(5)} %  ${a.name}`);
      // Busy share × the main thread's measured CPU per request (the profile sees the main thread only).
      const us = (share: number) => (share * last.mainUs).toFixed(1).padStart(6);
      for (const f of s.inclusive) console.log(`  incl ${f.percent.toFixed(1).padStart(5)} % ≈ ${us(f.percent / 100)} µs  ${f.name}  ${f.where}`);
      // The measured seconds alone, each sample counted once: the stages add up to the main thread's CPU per request.
      const w = stagesInWindow(join(profDir, file), last.window.fromUs, last.window.toUs);
      console.log(`main thread by stage, measured seconds of the last operation (${last.mainUs.toFixed(0)} µs per request; parts ≥ 1 µs):`);
      for (const st of w.stages.filter((x) => x.share * last.mainUs >= 0.5)) {
        console.log(`  ${us(st.share)} µs  ${st.stage}`);
        for (const part of st.parts.filter((x) => x.share * last.mainUs >= 1)) console.log(`    ${us(part.share)} µs  ${part.stage}`);
      }
      return;
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((e: Error) => {
  console.error(e);
  process.exit(1);
});
