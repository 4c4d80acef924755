/**
 * byTurn (src/server/request-turns.ts) on a real node:http server on 127.0.0.1: requests parsed in
 * one turn of the event loop start together once all are parsed, in arrival order; a later turn
 * starts its own; a request whose connection closed while it waited is not run.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { byTurn } from '../../src/server/request-turns.js';

/** Writes `raw` on one connection and resolves with what came back once `answers` responses arrived (or the peer closed). */
function exchange(port: number, raw: string, answers: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(raw));
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if ((text.match(/HTTP\/1\.1 /g) ?? []).length >= answers) socket.end();
    });
    // A reset (the dropped request's connection) ends the exchange like a close; what arrived is checked.
    socket.on('error', () => {});
    socket.on('close', () => resolve(text));
  });
}

const get = (path: string, close = false) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;

describe('byTurn', () => {
  let parsed = 0;
  const runs: { path: string; parsedBefore: number }[] = [];
  const run = byTurn((req: IncomingMessage, res: ServerResponse) => {
    runs.push({ path: req.url!, parsedBefore: parsed });
    res.end(req.url);
  });
  const server: Server = createServer((req, res) => {
    parsed++;
    run(req, res);
    // Closed while queued: the connection goes before the turn runs.
    if (req.url === '/drop') req.socket.destroy();
  });
  const listening = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  after(() => server.close());

  it('starts the requests of one turn after all of them are parsed, in order', async () => {
    const port = await listening;
    runs.length = 0;
    parsed = 0;
    // Three pipelined requests in one write: one socket read, one turn.
    const text = await exchange(port, get('/a') + get('/b') + get('/c', true), 3);
    assert.deepEqual(runs, [
      { path: '/a', parsedBefore: 3 },
      { path: '/b', parsedBefore: 3 },
      { path: '/c', parsedBefore: 3 },
    ]);
    assert.match(text, /\r\n\r\n\/a[\s\S]*\r\n\r\n\/b[\s\S]*\r\n\r\n\/c$/);
  });

  it('starts a later turn on its own', async () => {
    const port = await listening;
    runs.length = 0;
    parsed = 0;
    await exchange(port, get('/one', true), 1);
    await exchange(port, get('/two', true), 1);
    assert.deepEqual(runs, [
      { path: '/one', parsedBefore: 1 },
      { path: '/two', parsedBefore: 2 },
    ]);
  });

  it('does not run a request whose connection closed while it waited', async () => {
    const port = await listening;
    runs.length = 0;
    const text = await exchange(port, get('/drop'), 1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(runs, []);
    assert.equal(text, '');
  });
});
