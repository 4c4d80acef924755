/**
 * Clients that abuse connections (slowloris headers and bodies, idle and half-open sockets, readers
 * that never read) and probes that time `/health` and a signed Encrypt while they do.
 */
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { JSON_11, signKms, type Credentials } from './sign.js';

export type Abuse = 'slow-headers' | 'slow-body' | 'idle' | 'half-open' | 'never-reads';

export interface AbusiveClients {
  sockets: Socket[];
  /** Sockets the server has closed (or reset) so far. */
  closed(): number;
  /** Responses (status lines) the clients have seen, e.g. "HTTP/1.1 408 Request Timeout". */
  statusLines(): string[];
  destroy(): void;
}

/** A syntactically valid SigV4 header with an unknown key: the server must read the body before it can refuse it. */
const FAKE_AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEEXAMPLE00/20250101/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=' + '0'.repeat(64);

/**
 * Opens `count` connections doing `abuse`, `perTick` at a time (so the listen backlog is not the
 * bottleneck). Slow writers keep dribbling a byte every `dribbleMs` until destroyed.
 */
export async function openAbusive(endpoint: string, abuse: Abuse, count: number, opts: { bodyBytes?: number; dribbleMs?: number; pipelined?: number } = {}): Promise<AbusiveClients> {
  const url = new URL(endpoint);
  const sockets: Socket[] = [];
  const lines: string[] = [];
  let closed = 0;
  const timers: NodeJS.Timeout[] = [];
  const dribble = (s: Socket, byte: string) => {
    const t = setInterval(() => (s.writable ? s.write(byte) : clearInterval(t)), opts.dribbleMs ?? 500);
    timers.push(t);
  };
  const bodyBytes = opts.bodyBytes ?? 1024 * 1024 - 1;
  const head = (length: number) =>
    `POST / HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: ${JSON_11}\r\nX-Amz-Target: TrentService.Encrypt\r\nX-Amz-Date: 20250101T000000Z\r\nAuthorization: ${FAKE_AUTH}\r\nContent-Length: ${length}\r\n\r\n`;
  for (let i = 0; i < count; i++) {
    const s = connect({ host: url.hostname, port: Number(url.port) });
    s.on('error', () => {});
    s.once('close', () => closed++);
    await new Promise<void>((resolve) => {
      s.once('connect', resolve);
      s.once('close', resolve);
    });
    if (abuse !== 'never-reads') {
      s.on('data', (d: Buffer) => {
        const m = /^HTTP\/1\.1 \d{3}[^\r]*/.exec(d.toString('latin1'));
        if (m) lines.push(m[0]);
      });
    }
    switch (abuse) {
      case 'slow-headers':
        s.write(`POST / HTTP/1.1\r\nHost: ${url.host}\r\n`);
        dribble(s, 'X');
        break;
      case 'slow-body':
        s.write(head(bodyBytes + 1));
        s.write(Buffer.alloc(bodyBytes, 0x20));
        dribble(s, ' ');
        break;
      case 'idle':
        break;
      case 'half-open':
        // A partial request, then silence: never more bytes, never a read, never a FIN.
        s.write(head(100));
        s.pause();
        break;
      case 'never-reads':
        // Complete requests pipelined (more than the server takes ahead of its answers), the answers never read.
        s.pause();
        s.write(`GET /health HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`.repeat(opts.pipelined ?? 64));
        break;
    }
    sockets.push(s);
  }
  return {
    sockets,
    closed: () => closed,
    statusLines: () => lines,
    destroy() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
    },
  };
}

/** Open descriptors of a process (sockets, files). */
export const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** Polls `check` every 100 ms until it holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** One request on a fresh connection (as a new client would), with its latency; status 0 when it failed or took over `timeoutMs`. */
export function timedRequest(endpoint: string, raw: string, timeoutMs = 5_000): Promise<{ status: number; ms: number; body: string }> {
  const url = new URL(endpoint);
  const started = performance.now();
  return new Promise((resolve) => {
    const s = connect({ host: url.hostname, port: Number(url.port) });
    let text = '';
    const done = (status: number) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ status, ms: performance.now() - started, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    };
    const timer = setTimeout(() => done(0), timeoutMs);
    s.on('error', () => done(0));
    s.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      const headEnd = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text);
      if (headEnd >= 0 && length && text.length >= headEnd + 4 + Number(length[1])) done(Number(text.slice(9, 12)));
    });
    s.on('close', () => done(0));
    s.write(raw);
  });
}

export const healthRequest = (endpoint: string) => `GET /health HTTP/1.1\r\nHost: ${new URL(endpoint).host}\r\nConnection: close\r\n\r\n`;

/** A signed Encrypt as raw HTTP/1.1 (signed with the real clock). */
export async function encryptRequest(endpoint: string, credentials: Credentials, keyId: string): Promise<string> {
  const body = JSON.stringify({ KeyId: keyId, Plaintext: Buffer.from('probe').toString('base64') });
  const r = await signKms(endpoint, 'Encrypt', body, { credentials, date: new Date() });
  const headers = Object.entries({ ...r.headers, connection: 'close', 'content-length': String(Buffer.byteLength(body)) })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return `POST ${r.path} HTTP/1.1\r\n${headers}\r\n\r\n${body}`;
}
