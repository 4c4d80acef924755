/**
 * The open-loop load generator (test/reliability/lib/paced.ts) counts what the server answered:
 * the soak's "no errors" and the bench's half-load figures rest on it, so a lost error or a
 * miscounted answer would make those checks vacuous. Driven against a bare node:http server that
 * answers 200, 503 (with a body), cuts the connection, or answers in pieces.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { paced, percentileByWindow } from '../reliability/lib/paced.js';
import type { WireRequest } from '../reliability/lib/sign.js';

let server: Server;
let endpoint: string;
const seen: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(`${req.url} ${Buffer.concat(chunks).toString()}`);
      const error = '{"__type":"ServiceUnavailable"}';
      if (req.url === '/fail') return void res.writeHead(503, { 'content-type': 'application/json', 'content-length': error.length }).end(error);
      if (req.url === '/drop') return void req.socket.destroy();
      const body = JSON.stringify({ ok: true, pad: 'x'.repeat(20_000) }); // several TCP segments
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.write(body.slice(0, 10));
      setImmediate(() => res.end(body.slice(10)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const request = (path: string, body = 'b'): WireRequest => ({ method: 'POST', path, headers: { host: new URL(endpoint).host, 'content-type': 'text/plain' }, body });

test('every request is sent once, with its body; answers are counted by status, dropped connections as failures', async () => {
  seen.length = 0;
  const pool = [request('/ok', 'one'), request('/ok', 'two'), request('/fail'), request('/drop'), request('/ok', 'three')];
  const r = await paced({ endpoint, rate: 500, durationMs: 400, next: (i) => pool[i % pool.length]!, connections: 4 });
  assert.equal(r.sent, 200);
  assert.equal(seen.length, 200, 'each request reached the server once');
  assert.equal(seen.filter((s) => s === '/ok two').length, 40, 'bodies arrive as given');
  assert.equal(r.ok, 120);
  assert.equal(r.latenciesMs.length, 120);
  assert.ok([...r.latenciesMs].every((ms) => ms > 0 && ms < 5_000));
  assert.deepEqual(r.statuses, { '503': 40 });
  assert.equal(r.failures, 40);
  assert.ok(r.samples.some((s) => s.startsWith('503 {"__type":"ServiceUnavailable"}')));
  assert.ok(r.samples.some((s) => s.startsWith('transport: ')));
  assert.equal(r.fellBehind, false);
});

test('latency counts from when a request was due: a server slower than the rate shows up in the latencies', async () => {
  const slow = createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(200, { 'content-length': 2 }).end('{}'), 50));
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  try {
    const at = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    // One connection, 50 ms per answer, 100 requests/s due: the queue (and the latency) grows.
    const r = await paced({ endpoint: at, rate: 100, durationMs: 500, next: () => request('/'), connections: 1 });
    assert.equal(r.ok, 50);
    const sorted = [...r.latenciesMs].sort((a, b) => a - b);
    assert.ok(sorted[0]! >= 45, `fastest ${sorted[0]} ms`);
    assert.ok(sorted.at(-1)! > 1_500, `slowest ${sorted.at(-1)} ms: the wait behind earlier requests counts`);
    // Due times run through the half second; requests due later waited longer.
    assert.equal(r.dueMs.length, 50);
    assert.ok(r.dueMs.every((due, i) => i === 0 || due > r.dueMs[i - 1]!));
    const byWindow = percentileByWindow(r, 100, 99);
    assert.equal(byWindow.length, 5);
    assert.ok(byWindow[4]! > byWindow[0]! + 1_000, `p99 by 100 ms: ${byWindow.join(' ')}`);
  } finally {
    slow.close();
  }
});
