/**
 * An open-loop load generator: requests are due at a fixed rate whatever the server's speed, and
 * each latency is measured from the moment its request was due (so a stalled server shows up in
 * the latencies instead of silently slowing the generator — no coordinated omission).
 *
 * It writes each request's raw bytes (http.ts wireBytes, built once per pooled request) to plain
 * keep-alive sockets and reads only each answer's status line and Content-Length: ~55–65 µs of CPU
 * per request here, most of it wake-ups and loopback TCP in the kernel, against ~100–130 µs for
 * node:http's client. On a 2-vCPU machine the generator shares the cores with the server it
 * measures, so what it takes is taken from the server — and shows up in the latencies measured.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { wireBytes } from './http.js';
import type { WireRequest } from './sign.js';

export interface PacedOptions {
  endpoint: string;
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** The i-th request to send (called at send time; rotate through a pre-signed pool). */
  next: (i: number) => WireRequest;
  /** Concurrent connections (requests beyond them queue, and that wait counts). */
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
  /** When each of those requests was due (ms from the start), in the same order. */
  dueMs: Float64Array;
  elapsedMs: number;
  achievedRps: number;
  /** Sending stopped early: `maxWaiting` requests were waiting for answers (the server fell behind the rate). */
  fellBehind: boolean;
}

/** A request due at `due` (performance.now()), as the bytes to write. */
interface Due {
  due: number;
  bytes: Buffer;
}

/** One keep-alive connection: at most one request on it at a time (no pipelining, like AWS SDKs). */
interface Connection {
  socket: Socket;
  request?: Due;
  sentAt: number;
  /** Bytes of the answer received so far. */
  received: Buffer[];
  receivedBytes: number;
}

const ANSWER_TIMEOUT_MS = 30_000;
/** An idle connection is closed before the server's keep-alive timeout (5 s) could race a request onto it. */
const IDLE_CLOSE_MS = 4_000;
const HEADER_END = Buffer.from('\r\n\r\n');

export async function paced(o: PacedOptions): Promise<PacedResult> {
  const url = new URL(o.endpoint);
  const port = Number(url.port);
  const maxConnections = o.connections ?? 32;
  const latencies = new Float64Array(Math.ceil((o.rate * o.durationMs) / 1000) + 16);
  const dues = new Float64Array(latencies.length);
  const statuses: Record<string, number> = {};
  const samples: string[] = [];
  const bytesOf = new WeakMap<WireRequest, Buffer>();
  let sent = 0;
  let ok = 0;
  let failures = 0;
  let inFlight = 0;
  const interval = 1000 / o.rate;
  const maxWaiting = o.maxWaiting ?? Math.max(1000, o.rate * 30);
  let fellBehind = false;
  const start = performance.now();
  let nextSecond = 1000;
  /** Requests due and not yet written, oldest first; connections free to take one, longest free first (FIFO keeps all of them in use). */
  const waiting: Due[] = [];
  let waitingHead = 0;
  const free: Connection[] = [];
  const open = new Set<Connection>();
  let stopped = false;

  const fail = (message: string) => {
    inFlight--;
    failures++;
    if (samples.length < 10) samples.push(`transport: ${message}`);
  };

  const answered = (c: Connection, status: number, body: Buffer) => {
    const r = c.request!;
    c.request = undefined;
    inFlight--;
    if (status >= 200 && status < 300) {
      dues[ok] = r.due - start;
      latencies[ok++] = performance.now() - r.due;
    } else {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (samples.length < 10) samples.push(`${status} ${body.toString('utf8').slice(0, 300)}`);
    }
  };

  /** Parses what arrived; returns false once the connection cannot carry another request. */
  const onData = (c: Connection, chunk: Buffer): boolean => {
    c.received.push(chunk);
    c.receivedBytes += chunk.length;
    const data = c.received.length === 1 ? chunk : Buffer.concat(c.received, c.receivedBytes);
    const headerEnd = data.indexOf(HEADER_END);
    if (headerEnd < 0) return true;
    const head = data.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      c.socket.destroy(new Error(`answer without Content-Length: ${head.split('\r\n')[0]}`));
      return false;
    }
    const end = headerEnd + 4 + Number(length[1]);
    if (data.length < end) {
      c.received = [data];
      return true;
    }
    c.received = [];
    c.receivedBytes = 0;
    answered(c, Number(head.slice(9, 12)), data.subarray(headerEnd + 4, end));
    return !/\r\nconnection:\s*close/i.test(head);
  };

  const newConnection = (): Connection => {
    const socket = connect({ host: url.hostname, port, noDelay: true });
    const c: Connection = { socket, sentAt: 0, received: [], receivedBytes: 0 };
    open.add(c);
    socket.setTimeout(IDLE_CLOSE_MS);
    socket.on('data', (chunk: Buffer) => {
      if (!c.request) return void socket.destroy(new Error('an answer to no request'));
      if (!onData(c, chunk)) return void socket.end();
      if (!c.request) release(c);
    });
    socket.on('timeout', () => {
      if (!c.request) return void socket.destroy();
      if (performance.now() - c.sentAt >= ANSWER_TIMEOUT_MS) socket.destroy(new Error(`timeout after ${ANSWER_TIMEOUT_MS / 1000} s`));
    });
    socket.on('error', () => {}); // reported by 'close' below, once
    socket.on('close', (hadError) => {
      open.delete(c);
      const i = free.indexOf(c);
      if (i >= 0) free.splice(i, 1);
      if (c.request) fail(hadError ? (socket.errored?.message ?? 'connection error') : 'connection closed before the answer');
      c.request = undefined;
      dispatch();
    });
    return c;
  };

  const write = (c: Connection, r: Due) => {
    c.request = r;
    c.sentAt = performance.now();
    c.socket.setTimeout(ANSWER_TIMEOUT_MS);
    c.socket.write(r.bytes);
  };

  const release = (c: Connection) => {
    c.socket.setTimeout(IDLE_CLOSE_MS);
    free.push(c);
    dispatch();
  };

  const dispatch = () => {
    while (!stopped && waitingHead < waiting.length) {
      const c = free.shift() ?? (open.size < maxConnections ? newConnection() : undefined);
      if (!c) return;
      write(c, waiting[waitingHead]!);
      waiting[waitingHead++] = undefined as never;
    }
    waiting.length = waitingHead = 0;
  };

  const fire = (i: number) => {
    const r = o.next(i);
    let bytes = bytesOf.get(r);
    if (!bytes) bytesOf.set(r, (bytes = wireBytes(r)));
    inFlight++;
    waiting.push({ due: start + i * interval, bytes });
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      const due = Math.min(Math.floor(elapsed / interval) + 1, Math.floor(o.durationMs / interval));
      while (sent < due) fire(sent++);
      dispatch();
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
  const deadline = sendEnd + ANSWER_TIMEOUT_MS;
  while (inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  // Requests still unsent (a generator that fell behind stops sending) are not failures of the server.
  stopped = true;
  inFlight -= waiting.length - waitingHead;
  for (const c of open) c.socket.destroy();
  const elapsedMs = performance.now() - start;
  return { sent, ok, statuses, failures, samples, latenciesMs: latencies.subarray(0, ok), dueMs: dues.subarray(0, ok), elapsedMs, achievedRps: (ok * 1000) / (sendEnd - start), fellBehind };
}

/** The p-th percentile (0..100) of unsorted samples. */
export function percentile(samples: Float64Array | number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** The p-th percentile of the latencies of each `windowMs` of due time: where in a run the slow requests were. */
export function percentileByWindow(r: Pick<PacedResult, 'latenciesMs' | 'dueMs'>, windowMs: number, p: number): number[] {
  const windows: number[][] = [];
  r.dueMs.forEach((due, i) => (windows[Math.floor(due / windowMs)] ??= []).push(r.latenciesMs[i]!));
  return Array.from(windows, (w) => (w ? percentile(w, p) : NaN));
}

/** Answers that were not 2xx plus transport failures. */
export const errorCount = (r: Pick<PacedResult, 'failures' | 'statuses'>): number => r.failures + Object.values(r.statuses).reduce((a, b) => a + b, 0);
