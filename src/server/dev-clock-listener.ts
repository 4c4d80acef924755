/**
 * The development clock control of `serve --insecure-dev-clock`: a second HTTP listener on
 * 127.0.0.1 (a free port) that moves the lifecycle clock and runs the key schedule at once.
 *
 * Reach: it exists only while a server started with the flag runs. The CLI finds it through
 * `<dataDir>/dev-clock.json` (mode 0600: endpoint and a random bearer token), so only whoever can
 * read the data directory — who can already read the root key there — can move the clock. The
 * token is compared in constant time. The file is removed on close, and at every start without
 * the flag. The offset is kept in memory only: a restart returns the lifecycle clock to real time
 * (what was destroyed stays destroyed), so a forgotten dev setting never outlives the process.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DevClockInputError, type DevClockControl } from '../services/locksmith/dev-clock-control.js';

export const devClockFile = (dataDir: string) => join(dataDir, 'dev-clock.json');

/** Removes a control file a crashed dev-clock server left behind. */
export function removeDevClockFile(dataDir: string): void {
  rmSync(devClockFile(dataDir), { force: true });
}

export interface DevClockListener {
  endpoint: string;
  close(): Promise<void>;
}

const MAX_BODY = 4096;

export async function startDevClockListener(
  dataDir: string, control: DevClockControl,
): Promise<DevClockListener> {
  const token = randomBytes(32).toString('hex');
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = digest(`Bearer ${token}`);
  const reply = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) return reply(res, 403, { error: 'bad dev clock token' });
    if (req.method === 'GET' && req.url === '/clock') return reply(res, 200, control.state());
    if (req.method !== 'POST' || (req.url !== '/clock/advance' && req.url !== '/clock/set')) return reply(res, 404, { error: 'no such dev clock route' });
    let text = '';
    for await (const chunk of req) {
      text += String(chunk);
      if (text.length > MAX_BODY) return reply(res, 413, { error: 'body too large' });
    }
    let body: { ms?: unknown; at?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return reply(res, 400, { error: 'body is not JSON' });
    }
    try {
      return reply(res, 200, req.url === '/clock/advance' ? await control.advance(body.ms) : await control.set(body.at));
    } catch (e) {
      if (e instanceof DevClockInputError) return reply(res, 400, { error: e.message });
      throw e;
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => reply(res, 500, { error: e.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  removeDevClockFile(dataDir);
  writeFileSync(devClockFile(dataDir), JSON.stringify({ endpoint, token, pid: process.pid }), { mode: 0o600, flag: 'wx' });
  return {
    endpoint,
    async close() {
      removeDevClockFile(dataDir);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
