/**
 * Locksmith against the floor issue #12 measured its target from: `node --import tsx bench/floor.bench.ts
 * [--rounds 4] [--seconds 5]` (`npm run build` first). Three servers of one process each, measured in
 * a rotating order each round: the ceiling (bare node:http answering a fixed reply,
 * bench/lib/ceiling-server.ts), the issue's throwaway prototype (SigV4 with a cached signing key,
 * AES-256-GCM, a durable group-committed SQLite row, keep-alive node:http:
 * bench/lib/minimal-kms-server.ts) and Locksmith's built server. All three get the same pre-signed
 * Encrypt requests of 32 bytes as the IAM user (wrk, 64 keep-alive connections). `--variants
 * "sigv4;sigv4,log,metrics"` adds a prototype per variant with those of Locksmith's own parts built in
 * (see minimal-kms-server.ts), to see what each costs in a server that small. It prints each one's
 * req/s and server CPU per request (medians; the main thread's part, and the other threads'), and the
 * ratios the issue's targets are stated in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKmsFixture, presignedPool } from '../test/reliability/lib/kms-fixture.js';
import { sendWire } from '../test/reliability/lib/http.js';
import { processTreeCpuSeconds, rootCredentials, spawnServer, threadCpuTicks } from '../test/reliability/lib/server-process.js';
import { spawnListening } from './lib/listening.js';
import { inRoundOrder } from './lib/round-order.js';
import { wrk } from './lib/wrk.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const rounds = Number(opt('--rounds', '4'));
const seconds = Number(opt('--seconds', '5'));
const CONNECTIONS = 64;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-floor-'));
const locksmith = await spawnServer(dataDir, { built: true });
const fixture = await createKmsFixture(locksmith.endpoint, rootCredentials(dataDir), { ciphertexts: 0 });
const ceiling = await spawnListening(['--import', 'tsx', join(import.meta.dirname, 'lib/ceiling-server.ts'), '300', '1']);
const variants = ['', ...opt('--variants', '').split(';').filter(Boolean)];
const prototypes = await Promise.all(variants.map((v) => spawnListening(['--import', 'tsx', join(import.meta.dirname, 'lib/minimal-kms-server.ts'), dataDir, v], {
  env: { ...process.env, MINIMAL_ACCESS_KEY_ID: fixture.user.accessKeyId, MINIMAL_SECRET_ACCESS_KEY: fixture.user.secretAccessKey },
})));
const server = (label: string, endpoint: string, pid: number) => ({ label, endpoint, pid, rps: [] as number[], cpu: [] as number[], main: [] as number[] });
const servers = [
  server('ceiling (bare node:http)', ceiling.endpoint, ceiling.proc.pid!),
  ...prototypes.map((p, i) => server(`minimal prototype${variants[i] ? ` + ${variants[i]}` : ''}`, p.endpoint, p.proc.pid!)),
  server('Locksmith', locksmith.endpoint, locksmith.pid),
];
try {
  for (let round = 0; round < rounds; round++) {
    // Signed afresh each round: every request stays well inside the 5-minute window.
    const pool = await presignedPool(fixture, 'Encrypt', 64);
    for (const s of inRoundOrder(servers, round)) {
      if (s.label !== servers[0]!.label) {
        const first = await sendWire(s.endpoint, pool[0]!);
        if (first.status !== 200) throw new Error(`${s.label}: ${first.status} ${first.text}`);
        // It verifies what it serves: the same request with one byte of its body changed is refused.
        const tampered = { ...pool[0]!, body: Buffer.from(pool[0]!.body.toString().replace('"KeyId":"', '"KeyId":" ')) };
        const refused = await sendWire(s.endpoint, tampered);
        if (refused.status < 400) throw new Error(`${s.label} answered ${refused.status} to a request whose body no longer matches its signature`);
      }
      await wrk(s.endpoint, pool, { seconds: 2, connections: CONNECTIONS }); // warm-up (JIT)
      const before = processTreeCpuSeconds(s.pid);
      const mainBefore = threadCpuTicks(s.pid).get('main')!;
      const r = await wrk(s.endpoint, pool, { seconds, connections: CONNECTIONS });
      if (r.non2xx > 0) throw new Error(`${s.label}: ${r.non2xx} answers other than 2xx`);
      const mainAfter = threadCpuTicks(s.pid).get('main')!;
      s.rps.push(r.rps);
      s.cpu.push(((processTreeCpuSeconds(s.pid) - before) * 1e6) / r.requests);
      s.main.push(((mainAfter.user + mainAfter.sys - mainBefore.user - mainBefore.sys) * 1e4) / r.requests); // ticks of 10 ms
    }
  }
  const [c, m, l] = [servers[0]!, servers[1]!, servers[servers.length - 1]!].map((s) => ({ rps: median(s.rps), cpu: median(s.cpu) })) as [{ rps: number; cpu: number }, { rps: number; cpu: number }, { rps: number; cpu: number }];
  for (const s of servers) {
    console.log(`${s.label.padEnd(26)} ${(median(s.rps) / c.rps).toFixed(3)} of the ceiling; req/s ${s.rps.map((v) => v.toFixed(0)).join('/')} (median ${median(s.rps).toFixed(0)}), CPU µs/req ${s.cpu.map((v) => v.toFixed(0)).join('/')} (median ${median(s.cpu).toFixed(1)}, the main thread ${median(s.main).toFixed(0)})`);
  }
  console.log(`minimal prototype ÷ ceiling: ${(m.rps / c.rps).toFixed(3)} of its req/s at ${(m.cpu / c.cpu).toFixed(1)}× its CPU per request`);
  console.log(`Locksmith ÷ ceiling: ${(l.rps / c.rps).toFixed(3)} of its req/s at ${(l.cpu / c.cpu).toFixed(1)}× its CPU per request`);
  console.log(`Locksmith ÷ minimal prototype: ${(l.rps / m.rps).toFixed(3)} of its req/s at ${(l.cpu / m.cpu).toFixed(2)}× its CPU per request`);
} finally {
  ceiling.proc.kill('SIGTERM');
  for (const p of prototypes) p.proc.kill('SIGTERM');
  await locksmith.stop('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
