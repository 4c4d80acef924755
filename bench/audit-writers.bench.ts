/**
 * Focused bench (issue #12, item 6): what audit-first costs, and how audited Encrypt scales with
 * `serve --workers 2`. Three servers from the TypeScript source, each on a fresh data directory:
 * audited (1 process), --insecure-skip-audit (1 process), audited with --workers 2. Load from wrk
 * (64 keep-alive connections, pre-signed Encrypt requests); rounds alternate, each starting one
 * server later, so drift and what one run leaves the next hit all alike. Reports req/s and server
 * CPU µs per request (from /proc, all processes and threads — the robust figure on a shared machine).
 *   node --import tsx bench/audit-writers.bench.ts [--seconds 5] [--rounds 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKmsFixture, presignedPool } from '../test/reliability/lib/kms-fixture.js';
import { processTreeCpuSeconds, rootCredentials, spawnServer, type ServerProcess } from '../test/reliability/lib/server-process.js';
import { inRoundOrder } from './lib/round-order.js';
import { wrk } from './lib/wrk.js';

const args = process.argv.slice(2);
const opt = (name: string, d: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : d);
const SECONDS = opt('--seconds', 5);
const ROUNDS = opt('--rounds', 2);
const CONNECTIONS = 64;

const targets: { label: string; serveArgs: string[] }[] = [
  { label: 'audited, 1 process', serveArgs: [] },
  { label: 'no audit (insecure), 1 process', serveArgs: ['--insecure-skip-audit'] },
  { label: 'audited, --workers 2', serveArgs: ['--workers', '2'] },
];

const dirs = targets.map(() => mkdtempSync(join(tmpdir(), 'locksmith-auditbench-')));
const servers: ServerProcess[] = [];
try {
  for (let i = 0; i < targets.length; i++) servers.push(await spawnServer(dirs[i]!, { serveArgs: targets[i]!.serveArgs }));
  const pools = [];
  for (let i = 0; i < targets.length; i++) {
    const fixture = await createKmsFixture(servers[i]!.endpoint, rootCredentials(dirs[i]!), { ciphertexts: 64 });
    pools.push(await presignedPool(fixture, 'Encrypt', 256));
  }
  const results = targets.map(() => ({ rps: [] as number[], cpuUs: [] as number[], p99: [] as number[] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const i of inRoundOrder(targets.map((_, i) => i), round)) {
      const s = servers[i]!;
      await wrk(s.endpoint, pools[i]!, { seconds: 1, connections: CONNECTIONS }); // warm-up
      const cpu0 = processTreeCpuSeconds(s.pid);
      const r = await wrk(s.endpoint, pools[i]!, { seconds: SECONDS, connections: CONNECTIONS });
      const cpu = processTreeCpuSeconds(s.pid) - cpu0;
      if (r.non2xx > 0) throw new Error(`${targets[i]!.label}: ${r.non2xx} non-2xx answers`);
      results[i]!.rps.push(r.rps);
      results[i]!.cpuUs.push((cpu * 1e6) / r.requests);
      results[i]!.p99.push(r.p99);
    }
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  console.log('| server | req/s per round | mean req/s | server CPU µs/req | p99 ms |');
  console.log('|---|--:|--:|--:|--:|');
  targets.forEach((t, i) => {
    const r = results[i]!;
    console.log(`| ${t.label} | ${r.rps.map((v) => v.toFixed(0)).join(' / ')} | ${mean(r.rps).toFixed(0)} | ${mean(r.cpuUs).toFixed(0)} | ${mean(r.p99).toFixed(1)} |`);
  });
  const [on, off, two] = results.map((r) => ({ rps: mean(r.rps), cpu: mean(r.cpuUs) }));
  console.log(`audit-first cost on throughput: ${((1 - on!.rps / off!.rps) * 100).toFixed(1)} %; in CPU per request: ${((1 - off!.cpu / on!.cpu) * 100).toFixed(1)} %`);
  console.log(`--workers 2 / 1 process (audited): ${(two!.rps / on!.rps).toFixed(2)}× throughput; CPU/req ${two!.cpu.toFixed(0)} vs ${on!.cpu.toFixed(0)} µs`);
} finally {
  for (const s of servers) await s.stop('SIGTERM');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
