/**
 * ConnectionGuard on a real node:http server on 127.0.0.1: who makes room at the cap, the
 * ThrottlingException when no one can, the pipelining bound, and the CLI flags' validation.
 */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { parseNetworkOptions } from '../../src/cli/network-options.js';
import { ConnectionGuard, defaultConnectionLimits, MAX_PIPELINED } from '../../src/server/connection-guard.js';

interface Client {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
}

async function open(port: number, send?: string): Promise<Client> {
  const socket = connect({ host: '127.0.0.1', port });
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  if (send) socket.write(send);
  return { socket, received: () => text, closed };
}

const tick = (ms = 100) => new Promise((r) => setTimeout(r, ms));

describe('ConnectionGuard', () => {
  const held: ServerResponse[] = [];
  const guard = new ConnectionGuard({ ...defaultConnectionLimits(), maxConnections: 2 });
  const server = createServer(
    guard.requests((req, res) => {
      if (req.url === '/hold') held.push(res);
      else res.end('ok');
    }),
  );
  guard.attach(server);
  const ready = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) c.socket.destroy();
    await new Promise((r) => server.close(r));
  });

  it('at the cap, the oldest idle connection makes room for a newcomer', async () => {
    const port = await ready;
    const first = await open(port);
    const second = await open(port);
    clients.push(first, second);
    await tick();
    const third = await open(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    clients.push(third);
    await first.closed;
    await tick();
    assert.match(third.received(), /^HTTP\/1\.1 200 OK/);
    assert.equal(second.socket.destroyed, false);
    assert.equal(guard.counts.evicted, 1);
    for (const c of [second, third]) c.socket.destroy();
    await tick();
  });

  it('when every connection is being answered, the newcomer gets ThrottlingException and is closed', async () => {
    const port = await ready;
    const a = await open(port, 'GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
    const b = await open(port, 'GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
    clients.push(a, b);
    await tick();
    assert.equal(held.length, 2);
    const refused = await open(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    clients.push(refused);
    await refused.closed;
    assert.match(refused.received(), /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.deepEqual(JSON.parse(refused.received().split('\r\n\r\n')[1]!), {
      __type: 'ThrottlingException',
      message: 'You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.',
    });
    assert.equal(guard.counts.refused, 1);
    for (const res of held.splice(0)) res.end('done');
    await tick();
    assert.match(a.received(), /done$/);
    for (const c of [a, b]) c.socket.destroy();
    await tick();
  });

  it(`a connection pipelining more than ${MAX_PIPELINED} requests ahead of its answers is closed`, async () => {
    const port = await ready;
    const pipeliner = await open(port, 'GET /hold HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(MAX_PIPELINED + 10));
    clients.push(pipeliner);
    await pipeliner.closed;
    assert.equal(held.length, MAX_PIPELINED);
    held.splice(0);
  });

  it('the CLI flags are validated, and the headers deadline may not pass the request deadline', () => {
    const flags = { headersTimeoutMs: '10000', requestTimeoutMs: '30000', idleTimeoutMs: '5000', bodyMemoryMib: '64', metricsHost: '127.0.0.1' };
    assert.deepEqual(parseNetworkOptions({ ...flags, maxConnections: '100', metricsPort: '9464' }), {
      connectionLimits: { maxConnections: 100, headersTimeoutMs: 10000, requestTimeoutMs: 30000, idleTimeoutMs: 5000, bodyMemoryBytes: 64 * 1024 * 1024 },
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
    });
    assert.throws(() => parseNetworkOptions({ ...flags, maxConnections: '0' }), /invalid --max-connections '0'/);
    assert.throws(() => parseNetworkOptions({ ...flags, idleTimeoutMs: 'soon' }), /invalid --idle-timeout-ms 'soon'/);
    assert.throws(() => parseNetworkOptions({ ...flags, headersTimeoutMs: '40000' }), /must not exceed --request-timeout-ms/);
    assert.throws(() => parseNetworkOptions({ ...flags, metricsPort: '70000' }), /invalid --metrics-port/);
  });
});
