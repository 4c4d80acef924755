/**
 * wrk (C, epoll) as the load generator where request rates are measured: on a 2-core machine a
 * Node load generator takes CPU the server would use. Pre-signed requests go into a Lua script
 * that rotates through them (SigV4 requests may be replayed within their skew window).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WireRequest } from '../../test/reliability/lib/sign.js';

export interface WrkResult {
  rps: number;
  requests: number;
  non2xx: number;
  p50: number;
  p99: number;
}

const lua = (s: string) => `[==[${s}]==]`;

function script(pool: WireRequest[]): string {
  const specs = pool.map((r) => {
    const headers = Object.entries(r.headers).filter(([k]) => k.toLowerCase() !== 'host').map(([k, v]) => `[ ${lua(k)} ]=${lua(v)}`).join(',');
    return `{${lua(r.method)}, ${lua(r.path)}, {${headers}}, ${lua(r.body.toString())}}`;
  });
  // Formatted in init: wrk adds the Host header only once the thread is set up.
  return `local specs = {${specs.join(',\n')}}\nlocal reqs = {}\nlocal i = 0\n`
    + 'init = function(args)\n  for k, s in ipairs(specs) do reqs[k] = wrk.format(s[1], s[2], s[3], s[4]) end\nend\n'
    + 'request = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n'
    + 'done = function(summary, latency, requests)\n  io.write(string.format("JSON {\\"requests\\":%d,\\"non2xx\\":%d,\\"p50\\":%f,\\"p99\\":%f}\\n", summary.requests, summary.errors.status, latency:percentile(50)/1000, latency:percentile(99)/1000))\nend\n';
}

export function wrk(endpoint: string, pool: WireRequest[], o: { seconds: number; connections: number; threads?: number }): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'locksmith-wrk-'));
  const file = join(dir, 'pool.lua');
  writeFileSync(file, script(pool));
  return new Promise((resolve, reject) => {
    execFile('wrk', ['-t', String(o.threads ?? 1), '-c', String(o.connections), '-d', `${o.seconds}s`, '--timeout', '10s', '-s', file, endpoint], (err, stdout) => {
      rmSync(dir, { recursive: true, force: true });
      if (err) return reject(err);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      const json = /^JSON (.*)$/m.exec(stdout);
      if (!rps || !json) return reject(new Error(`unexpected wrk output: ${stdout}`));
      const j = JSON.parse(json[1]!) as { requests: number; non2xx: number; p50: number; p99: number };
      resolve({ rps: Number(rps[1]), requests: j.requests, non2xx: j.non2xx, p50: j.p50, p99: j.p99 });
    });
  });
}
