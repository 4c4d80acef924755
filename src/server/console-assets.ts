/**
 * The web console's static files (built by Vite into dist/console at `npm run build`/`prepare`),
 * served unauthenticated at GET/HEAD /console and /console/*. Only unsigned requests come here: a
 * signed request for /console… is S3's (a bucket may be named "console"). The page itself calls
 * the public APIs on this origin, signed in the browser with SigV4 — there is no other back end.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Scripts, styles and calls only from this origin; no inline code, frames, plugins or forms elsewhere. */
const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "font-src 'self'",
  "manifest-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** dist/console beside the compiled server (dist/server), or the built one when running from src/ (tsx). */
export function consoleRoot(): string | undefined {
  for (const rel of ['../console/', '../../dist/console/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return realpathSync(dir);
  }
  return undefined;
}

/** An unsigned GET or HEAD for /console or below. */
export function isConsoleRequest(method: string, rawPath: string, rawQuery: string, req: IncomingMessage): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (rawPath !== '/console' && !rawPath.startsWith('/console/')) return false;
  return req.headers.authorization === undefined && !/(^|&)x-amz-(signature|credential)=/i.test(rawQuery);
}

export function serveConsole(req: IncomingMessage, res: ServerResponse, rawPath: string, root = consoleRoot()): void {
  const reply = (status: number, type: string, body: string) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (!root) return reply(404, 'text/plain; charset=utf-8', 'The console is not built: run `npm run build`.\n');
  let rel: string;
  try {
    rel = decodeURIComponent(rawPath.slice('/console'.length)).replace(/^\/+/, '');
  } catch {
    return reply(400, 'text/plain; charset=utf-8', 'Bad path.\n');
  }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((s) => s === '..' || s === '.')) return reply(404, 'text/plain; charset=utf-8', 'Not found.\n');
  // The page routes with the URL fragment; any path without a file extension is the page.
  const file = rel === '' || extname(rel) === '' ? 'index.html' : rel;
  const full = join(root, file);
  let size: number;
  try {
    const real = realpathSync(full);
    if (!real.startsWith(root + sep)) return reply(404, 'text/plain; charset=utf-8', 'Not found.\n');
    const st = statSync(real);
    if (!st.isFile()) return reply(404, 'text/plain; charset=utf-8', 'Not found.\n');
    size = st.size;
  } catch {
    return reply(404, 'text/plain; charset=utf-8', 'Not found.\n');
  }
  // Vite names built assets by content hash: they never change; the page itself is never cached.
  const immutable = file.startsWith('assets/');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-store',
    'content-length': size,
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(full).on('error', () => res.destroy()).pipe(res);
}
