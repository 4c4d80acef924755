/**
 * Closed-loop saturation with autocannon: `connections` keep-alive connections, each sending its
 * next request as soon as the previous answer arrives, rotating through a pre-signed pool.
 * Latencies are recorded per response in floating-point milliseconds (autocannon's own histogram
 * rounds to whole milliseconds, too coarse here).
 */
import autocannon from 'autocannon';
import type { WireRequest } from '../../test/reliability/lib/sign.js';

export interface SaturationResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  durationS: number;
  /** CPU time the server's processes (and their threads) used per answered request, when measured. */
  serverCpuUs?: number;
}

function runOnce(endpoint: string, pool: WireRequest[], connections: number, seconds: number, latencies: number[] | undefined) {
  return new Promise<{ ok: number; non2xx: number; errors: number; wallS: number }>((resolve, reject) => {
    let ok = 0;
    let non2xx = 0;
    const t0 = process.hrtime.bigint();
    const instance = autocannon(
      {
        url: endpoint,
        connections,
        duration: seconds,
        requests: pool.map((r) => ({ method: r.method as 'POST', path: r.path, headers: r.headers, body: r.body })),
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({ ok, non2xx, errors: result.errors + result.timeouts, wallS: Number(process.hrtime.bigint() - t0) / 1e9 });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) {
        ok++;
        latencies?.push(ms);
      } else non2xx++;
    });
  });
}

export async function saturate(
  endpoint: string,
  pool: WireRequest[],
  o: { connections: number; seconds: number; warmupSeconds: number; serverCpuSeconds?: () => number },
): Promise<SaturationResult> {
  if (o.warmupSeconds > 0) await runOnce(endpoint, pool, o.connections, o.warmupSeconds, undefined);
  const latencies: number[] = [];
  const cpuBefore = o.serverCpuSeconds?.();
  const r = await runOnce(endpoint, pool, o.connections, o.seconds, latencies);
  const cpu = cpuBefore === undefined ? undefined : o.serverCpuSeconds!() - cpuBefore;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] ?? NaN;
  const serverCpuUs = cpu === undefined || r.ok === 0 ? undefined : (cpu * 1e6) / r.ok;
  return { requests: r.ok, rps: r.ok / r.wallS, p50: at(50), p99: at(99), non2xx: r.non2xx, errors: r.errors, durationS: r.wallS, serverCpuUs };
}
