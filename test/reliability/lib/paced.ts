/**
 * An open-loop load generator: requests are due at a fixed rate whatever the server's speed, and
 * each latency is measured from the moment its request was due (so a stalled server shows up in
 * the latencies instead of silently slowing the generator — no coordinated omission).
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { WireRequest } from './sign.js';

export interface PacedOptions {
  endpoint: string;
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** The i-th request to send (called at send time; rotate through a pre-signed pool). */
  next: (i: number) => WireRequest;
  /** Concurrent connections (requests beyond them queue in the agent, and that wait counts). */
  connections?: number;
  /** Called about every second while running (e.g. to sample the server's RSS). */
  onSecond?: (elapsedMs: number) => void;
  /**
   * Stop sending once this many requests wait for answers (default: 30 s worth at `rate`): a server
   * that falls behind an open-loop rate would otherwise grow the queue in this process without end.
   */
  maxWaiting?: number;
}

export interface PacedResult {
  sent: number;
  /** 2xx answers. */
  ok: number;
  /** Non-2xx answers, by status. */
  statuses: Record<string, number>;
  /** Transport failures (connection refused or reset, timeouts). */
  failures: number;
  /** The first few non-2xx bodies or transport errors, for the report. */
  samples: string[];
  /** Latencies (ms) of 2xx answers, from due time to the end of the response. */
  latenciesMs: Float64Array;
  elapsedMs: number;
  achievedRps: number;
  /** Sending stopped early: `maxWaiting` requests were waiting for answers (the server fell behind the rate). */
  fellBehind: boolean;
}

export async function paced(o: PacedOptions): Promise<PacedResult> {
  const url = new URL(o.endpoint);
  // FIFO keeps every pooled connection in use, so none sits idle into the server's keep-alive timeout
  // (5 s) and races its close — an HTTP/1.1 client artifact, not a server fault; idle ones close at 4 s.
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections ?? 32, scheduling: 'fifo', timeout: 4_000 });
  const latencies = new Float64Array(Math.ceil((o.rate * o.durationMs) / 1000) + 16);
  const statuses: Record<string, number> = {};
  const samples: string[] = [];
  let sent = 0;
  let ok = 0;
  let failures = 0;
  let inFlight = 0;
  const interval = 1000 / o.rate;
  const maxWaiting = o.maxWaiting ?? Math.max(1000, o.rate * 30);
  let fellBehind = false;
  const start = performance.now();
  let nextSecond = 1000;

  const fire = (i: number) => {
    const due = start + i * interval;
    const r = o.next(i);
    inFlight++;
    const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (status >= 300) chunks.push(c);
      });
      res.on('end', () => {
        inFlight--;
        if (status >= 200 && status < 300) {
          latencies[ok++] = performance.now() - due;
        } else {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (samples.length < 10) samples.push(`${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`);
        }
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout after 30 s')));
    req.on('error', (e) => {
      inFlight--;
      failures++;
      if (samples.length < 10) samples.push(`transport: ${e.message}`);
    });
    req.end(r.body);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      const due = Math.min(Math.floor(elapsed / interval) + 1, Math.floor(o.durationMs / interval));
      while (sent < due) fire(sent++);
      if (inFlight > maxWaiting) {
        fellBehind = true;
        return resolve();
      }
      if (elapsed >= nextSecond) {
        nextSecond += 1000;
        o.onSecond?.(elapsed);
      }
      if (elapsed >= o.durationMs) return resolve();
      setTimeout(tick, Math.max(0, Math.min(1, interval - (elapsed % interval))));
    };
    tick();
  });
  const sendEnd = performance.now();
  const deadline = sendEnd + 30_000;
  while (inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  agent.destroy();
  const elapsedMs = performance.now() - start;
  return { sent, ok, statuses, failures, samples, latenciesMs: latencies.subarray(0, ok), elapsedMs, achievedRps: (ok * 1000) / (sendEnd - start), fellBehind };
}

/** The p-th percentile (0..100) of unsorted samples. */
export function percentile(samples: Float64Array | number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}
