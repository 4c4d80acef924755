/**
 * Latency at a fixed rate (what bench/run.ts calls half load), one fresh server per measurement:
 * `node --import tsx bench/paced-load.bench.ts [--rate 2500] [--seconds 10] [--rounds 2]
 * [--variants 'A,B=1,C=2+D=3'] [--cli <other dist/cli/main.js>] [--per-second] [--saturate 3]
 * [--cycles 1]`. Each variant is a set of environment variables for the server (`+` joins several;
 * `--insecure-skip-audit` when it names SKIP_AUDIT; CEILING: the bare node:http ceiling instead),
 * measured in turn, `--rounds` times. The server is warmed up with `--saturate` seconds of wrk at
 * saturation, then the open-loop generator (test/reliability/lib/paced.ts, 64 connections) sends
 * Encrypt 32 B at `--rate` and reports p50 / p99 / p99.9 / max from each request's due time, and
 * what the server process wrote per request (/proc/<pid>/io: bytes that reached the block layer,
 * write system calls) — the audit trail's I/O per record at that rate. `--cycles N` repeats
 * saturation and pacing N times on the same server (bench/run.ts's order on its long-lived server).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKmsFixture, presignedPool } from '../test/reliability/lib/kms-fixture.js';
import { paced, percentile, percentileByWindow } from '../test/reliability/lib/paced.js';
import { rootCredentials } from '../test/reliability/lib/server-process.js';
import { spawnListening } from './lib/listening.js';
import { wrk } from './lib/wrk.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const rate = Number(opt('--rate', '2500'));
const seconds = Number(opt('--seconds', '10'));
const rounds = Number(opt('--rounds', '2'));
const cli = opt('--cli', join(import.meta.dirname, '../dist/cli/main.js'));
const variants = opt('--variants', 'default').split(',');
const saturateS = Number(opt('--saturate', '3'));
const cycles = Number(opt('--cycles', '1'));

/** write_bytes (reached the block layer) and syscw (write system calls) of a process so far. */
function processIo(pid: number): { bytes: number; calls: number } {
  const fields = new Map(readFileSync(`/proc/${pid}/io`, 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));
  return { bytes: Number(fields.get('write_bytes')), calls: Number(fields.get('syscw')) };
}

const env = (variant: string) => ({
  ...process.env,
  LOCKSMITH_ROOT_KEY_FILE: undefined,
  LOCKSMITH_SEED: undefined,
  ...Object.fromEntries(variant.split('+').filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
});

for (let round = 0; round < rounds; round++) {
  for (const variant of variants) {
    const dir = mkdtempSync(join(tmpdir(), 'locksmith-paced-'));
    const serveArgs = variant.includes('SKIP_AUDIT') ? ['--insecure-skip-audit'] : [];
    const { proc, endpoint } = await spawnListening([cli, 'serve', '--port', '0', '--data-dir', dir, ...serveArgs], { env: env(variant) as NodeJS.ProcessEnv, stderr: 'ignore' });
    try {
      const fixture = await createKmsFixture(endpoint, rootCredentials(dir), { ciphertexts: 8 });
      const pool = await presignedPool(fixture, 'Encrypt', 256);
      // CEILING: the bare node:http server (ceiling-server.ts, an Encrypt-sized reply) paced the same way.
      const ceiling = variant === 'CEILING' ? await spawnListening(['--import', 'tsx', join(import.meta.dirname, 'lib/ceiling-server.ts'), '341', '1']) : undefined;
      const target = ceiling ?? { proc, endpoint };
      for (let cycle = 0; cycle < cycles; cycle++) {
        await wrk(target.endpoint, pool, { seconds: saturateS, connections: 64 });
        const before = processIo(target.proc.pid!);
        const pacedFrom = Date.now();
        const r = await paced({ endpoint: target.endpoint, rate, durationMs: seconds * 1000, next: (i) => pool[i % pool.length]!, connections: 64 });
        const after = processIo(target.proc.pid!);
        const at = (p: number) => percentile(r.latenciesMs, p).toFixed(2);
        if (args.includes('--per-second')) {
          console.log(`  p99 per second from ${new Date(pacedFrom).toISOString()}: ${percentileByWindow(r, 1000, 99).map((v) => v.toFixed(1)).join(' ')} ms`);
        }
        console.log(`${variant}: ${r.achievedRps.toFixed(0)} req/s, p50 ${at(50)} p99 ${at(99)} p99.9 ${at(99.9)} max ${percentile(r.latenciesMs, 100).toFixed(1)} ms, ` +
          `${((after.bytes - before.bytes) / r.ok / 1024).toFixed(1)} KiB written and ${((after.calls - before.calls) / r.ok).toFixed(1)} write calls per request, ${r.sent - r.ok} not 2xx`);
      }
      ceiling?.proc.kill('SIGTERM');
    } finally {
      proc.kill('SIGTERM');
      await new Promise((resolve) => proc.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
