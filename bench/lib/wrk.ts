/**
 * wrk (C, epoll) as the load generator where request rates are measured: on a 2-core machine a
 * Node load generator takes CPU the server would use. Pre-signed requests are written, as raw
 * HTTP/1.1 bytes, to a file that bench/lib/replay.lua reads and replays in turn (SigV4 requests
 * may be replayed within their time window). Keep-alive connections, closed loop: each connection
 * sends its next request when the previous answer arrives.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wireBytes } from '../../test/reliability/lib/http.js';
import type { WireRequest } from '../../test/reliability/lib/sign.js';
import type { SaturationResult } from './saturate.js';

export interface WrkResult {
  rps: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  durationS: number;
  /** Latency percentiles (ms) from wrk's histogram. */
  p50: number;
  p99: number;
  max: number;
}

const REPLAY = join(import.meta.dirname, 'replay.lua');

/** The pool as "<length>\n<raw request>" records, Host (signed) and Content-Length included. */
export function requestsFile(pool: WireRequest[]): Buffer {
  return Buffer.concat(
    pool.flatMap((r) => {
      const raw = wireBytes(r);
      return [Buffer.from(`${raw.length}\n`), raw];
    }),
  );
}

/** Asks for wrk when it is missing (Debian: apt-get install wrk). */
function wrkMissing(err: Error & { code?: unknown }): Error {
  return err.code === 'ENOENT' ? new Error('wrk is not installed: the bench needs it as its load generator (Debian/Ubuntu: sudo apt-get install wrk)') : err;
}

export function wrk(endpoint: string, pool: WireRequest[], o: { seconds: number; connections: number; threads?: number }): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'locksmith-wrk-'));
  const file = join(dir, 'requests');
  writeFileSync(file, requestsFile(pool));
  const args = ['-t', String(o.threads ?? 1), '-c', String(o.connections), '-d', `${o.seconds}s`, '--timeout', '10s', '-s', REPLAY, endpoint, '--', file];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      rmSync(dir, { recursive: true, force: true });
      if (err) return reject(wrkMissing(err));
      const json = /^JSON (.*)$/m.exec(stdout);
      if (!json) return reject(new Error(`unexpected wrk output: ${stdout}`));
      const j = JSON.parse(json[1]!) as { requests: number; durationUs: number; non2xx: number; socketErrors: number; p50: number; p99: number; max: number };
      const durationS = j.durationUs / 1e6;
      resolve({ rps: j.requests / durationS, requests: j.requests, non2xx: j.non2xx, socketErrors: j.socketErrors, durationS, p50: j.p50, p99: j.p99, max: j.max });
    });
  });
}

/**
 * Saturation with wrk (`connections` keep-alive connections), with the server's CPU per answered
 * request when `serverCpuSeconds` reads it (from /proc).
 */
export async function saturateWrk(
  endpoint: string,
  pool: WireRequest[],
  o: { connections: number; seconds: number; warmupSeconds: number; serverCpuSeconds?: () => number },
): Promise<SaturationResult> {
  if (o.warmupSeconds > 0) await wrk(endpoint, pool, { seconds: Math.max(1, Math.round(o.warmupSeconds)), connections: o.connections });
  const cpuBefore = o.serverCpuSeconds?.();
  const r = await wrk(endpoint, pool, { seconds: o.seconds, connections: o.connections });
  const cpu = cpuBefore === undefined ? undefined : o.serverCpuSeconds!() - cpuBefore;
  const ok = r.requests - r.non2xx;
  return {
    requests: ok,
    rps: ok / r.durationS,
    p50: r.p50,
    p99: r.p99,
    non2xx: r.non2xx,
    errors: r.socketErrors,
    durationS: r.durationS,
    serverCpuUs: cpu === undefined || ok === 0 ? undefined : (cpu * 1e6) / ok,
  };
}
