import { mkdtempSync, readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCredentials, spawnServer, processTreeCpuSeconds } from '../test/reliability/lib/server-process.js';
import { signRaw, type WireRequest } from '../test/reliability/lib/sign.js';
import { summarizeCpuProfile } from './lib/cpu-profile.js';
const dataDir = mkdtempSync(join(tmpdir(), 'probe-'));
const prof = mkdtempSync(join(tmpdir(), 'prof-'));
const server = await spawnServer(dataDir, { built: true, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', prof] });
const credentials = rootCredentials(dataDir);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(server.endpoint);
const send = (r: WireRequest, body?: Buffer) => new Promise<{ status: number; bytes: number }>((resolve, reject) => {
  const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path, headers: { ...r.headers, 'content-length': String(body?.length ?? 0) }, agent }, (res) => {
    let n = 0; res.on('data', (c) => (n += c.length)); res.on('end', () => resolve({ status: res.statusCode!, bytes: n }));
  });
  req.on('error', reject);
  if (!body) return void req.end();
  let at = 0; const w = () => { while (at < body.length) { const p = body.subarray(at, at + (1 << 20)); at += p.length; if (!req.write(p)) return void req.once('drain', w); } req.end(); }; w();
});
const s = (method: string, path: string, h: Record<string, string> = {}) => signRaw(server.endpoint, '', { credentials, date: new Date(), service: 's3', method, path, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...h } });
await send(await signRaw(server.endpoint, '', { credentials, date: new Date(), service: 's3', method: 'PUT', path: '/probe', headers: { 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } }));
const body = Buffer.alloc(64 << 20, 1);
const mode = process.argv[2] ?? 'both';
let cpu0 = processTreeCpuSeconds(server.pid); let t0 = performance.now();
for (let i = 0; i < 4; i++) { if (mode !== 'get') await send(await s('PUT', `/probe/o${i}`), body); }
console.log('PUT x4: wall', (performance.now() - t0).toFixed(0), 'ms, server cpu', ((processTreeCpuSeconds(server.pid) - cpu0) * 1000).toFixed(0), 'ms');
cpu0 = processTreeCpuSeconds(server.pid); t0 = performance.now();
for (let i = 0; i < 4; i++) { const r = await send(await s('GET', `/probe/o${i}`)); if (r.bytes !== body.length) throw new Error('short'); }
console.log('GET x4: wall', (performance.now() - t0).toFixed(0), 'ms, server cpu', ((processTreeCpuSeconds(server.pid) - cpu0) * 1000).toFixed(0), 'ms');
agent.destroy();
await server.stop('SIGINT');
await new Promise((r) => setTimeout(r, 1500));
const f = readdirSync(prof).find((x) => x.endsWith('.cpuprofile'));
if (f) { const sum = summarizeCpuProfile(join(prof, f), process.cwd(), 20, 0); for (const x of sum.functions) console.log(x.percent.toFixed(1), x.name, x.where); console.log('busy', sum.busyPercent.toFixed(0)); }
