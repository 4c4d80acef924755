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
import type { OffsetClock } from '../util/offset-clock.js';

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
/** Advances beyond 100 years are refused (Date's range is ±8.64e15 ms). */
const MAX_MOVE_MS = 100 * 365 * 24 * 3600 * 1000;

export async function startDevClockListener(
  dataDir: string, clock: OffsetClock, runSchedule: () => Promise<Record<string, number>>,
): Promise<DevClockListener> {
  const token = randomBytes(32).toString('hex');
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = digest(`Bearer ${token}`);
  const state = () => ({ now: clock.now().toISOString(), offsetMs: clock.offset });
  const reply = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) return reply(res, 403, { error: 'bad dev clock token' });
    if (req.method === 'GET' && req.url === '/clock') return reply(res, 200, state());
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
    if (req.url === '/clock/advance') {
      if (typeof body.ms !== 'number' || !Number.isInteger(body.ms) || body.ms < 0 || body.ms > MAX_MOVE_MS) {
        return reply(res, 400, { error: 'ms: a whole number of milliseconds from 0 to 100 years expected' });
      }
      clock.advance(body.ms);
    } else {
      const at = typeof body.at === 'string' ? Date.parse(body.at) : NaN;
      if (!Number.isFinite(at) || Math.abs(at - Date.now()) > MAX_MOVE_MS) return reply(res, 400, { error: 'at: an ISO 8601 time within 100 years of now expected' });
      clock.set(at);
    }
    const ran = await runSchedule();
    return reply(res, 200, { ...state(), schedule: ran });
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
