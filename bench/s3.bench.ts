/**
 * S3 throughput against the disk: PUT and GET of 1 MiB and 64 MiB objects (MB/s) divided by the
 * disk's own sequential write (fsync'd) and read throughput measured in the same run, and 4 KiB
 * PUT req/s at saturation against the KMS Encrypt figure on the same server.
 *
 * `node --import tsx bench/s3.bench.ts [--quick]` (run by `npm run bench` after the KMS table;
 * measures the built server, `npm run build` first). Prints a markdown table; with --json, one
 * JSON line of every figure as the last line.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKmsFixture, presignedPool } from '../test/reliability/lib/kms-fixture.js';
import { sendWire } from '../test/reliability/lib/http.js';
import { processTreeCpuSeconds, rootCredentials, spawnServer, type ServerProcess } from '../test/reliability/lib/server-process.js';
import { signRaw, type Credentials, type WireRequest } from '../test/reliability/lib/sign.js';
import { saturate } from './lib/saturate.js';

const quick = process.argv.includes('--quick');
const MiB = 1024 * 1024;
const MB = 1e6;
const SIZES = [
  { label: '1 MiB', bytes: MiB, repeats: quick ? 16 : 64 },
  { label: '64 MiB', bytes: 64 * MiB, repeats: quick ? 2 : 6 },
];
const SMALL = 4096;
const SAT_S = quick ? 2 : 10;
const CONNECTIONS = 32;
const log = (s: string) => process.stderr.write(s + '\n');

/** The disk's own sequential write (1 MiB writes, then fsync) and read of `bytes`, in MB/s (best of `rounds`). */
async function diskThroughput(dir: string, bytes: number, rounds: number): Promise<{ writeMBs: number; readMBs: number }> {
  const block = randomBytes(MiB);
  let writeMBs = 0;
  let readMBs = 0;
  for (let r = 0; r < rounds; r++) {
    const file = join(dir, `disk-${r}`);
    const t0 = process.hrtime.bigint();
    const fd = openSync(file, 'w', 0o600);
    for (let at = 0; at < bytes; at += MiB) writeSync(fd, block);
    fsyncSync(fd);
    closeSync(fd);
    const writeS = Number(process.hrtime.bigint() - t0) / 1e9;
    writeMBs = Math.max(writeMBs, bytes / MB / writeS);
    const t1 = process.hrtime.bigint();
    let read = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) read += (chunk as Buffer).length;
    const readS = Number(process.hrtime.bigint() - t1) / 1e9;
    if (read !== bytes) throw new Error('short read');
    readMBs = Math.max(readMBs, bytes / MB / readS);
    rmSync(file);
  }
  return { writeMBs, readMBs };
}

const s3Request = (endpoint: string, credentials: Credentials, method: string, path: string, headers: Record<string, string> = {}) =>
  signRaw(endpoint, '', { credentials, date: new Date(), service: 's3', method, path, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers } });

/** Sends `r` with `body` streamed in 1 MiB writes; resolves with the status and the bytes of the answer. */
function send(endpoint: string, agent: Agent, r: WireRequest, body?: Buffer): Promise<{ status: number; bytes: number }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path, headers: { ...r.headers, 'content-length': String(body?.length ?? 0) }, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!body) return void req.end();
    let at = 0;
    const write = () => {
      while (at < body.length) {
        const piece = body.subarray(at, at + MiB);
        at += piece.length;
        if (!req.write(piece)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

/**
 * Server CPU (all threads, from /proc) per request: robust to a loaded machine, unlike MB/s. The
 * quiet-machine ratio it implies is bytes / CPU time over the disk figure, assuming the server had
 * one core to itself — a floor, since the PUT path runs on two threads (bench/README.md).
 */
interface Throughput { label: string; putMBs: number; getMBs: number; putCpuMs: number; getCpuMs: number }

async function objectThroughput(server: ServerProcess, credentials: Credentials): Promise<Throughput[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: Throughput[] = [];
  for (const size of SIZES) {
    const body = randomBytes(size.bytes);
    let putS = 0;
    let getS = 0;
    let putCpu = 0;
    let getCpu = 0;
    for (let i = 0; i < size.repeats; i++) {
      const path = `/bench/obj-${size.bytes}-${i}`;
      const put = await s3Request(server.endpoint, credentials, 'PUT', path);
      const c0 = processTreeCpuSeconds(server.pid);
      const t0 = process.hrtime.bigint();
      const p = await send(server.endpoint, agent, put, body);
      putS += Number(process.hrtime.bigint() - t0) / 1e9;
      putCpu += processTreeCpuSeconds(server.pid) - c0;
      if (p.status !== 200) throw new Error(`PUT ${size.label}: ${p.status}`);
      const get = await s3Request(server.endpoint, credentials, 'GET', path);
      const c1 = processTreeCpuSeconds(server.pid);
      const t1 = process.hrtime.bigint();
      const g = await send(server.endpoint, agent, get);
      getS += Number(process.hrtime.bigint() - t1) / 1e9;
      getCpu += processTreeCpuSeconds(server.pid) - c1;
      if (g.status !== 200 || g.bytes !== size.bytes) throw new Error(`GET ${size.label}: ${g.status}, ${g.bytes} bytes`);
    }
    const row = {
      label: size.label, putMBs: (size.bytes * size.repeats) / MB / putS, getMBs: (size.bytes * size.repeats) / MB / getS,
      putCpuMs: (putCpu * 1000) / size.repeats, getCpuMs: (getCpu * 1000) / size.repeats,
    };
    out.push(row);
    log(`  ${size.label}: PUT ${row.putMBs.toFixed(0)} MB/s (${row.putCpuMs.toFixed(0)} ms server CPU each), GET ${row.getMBs.toFixed(0)} MB/s (${row.getCpuMs.toFixed(0)} ms)`);
  }
  agent.destroy();
  return out;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-s3-bench-'));
  const server = await spawnServer(dataDir, { built: true, serveArgs: ['--request-timeout-ms', '600000'] });
  try {
    const credentials = rootCredentials(dataDir);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const bucket = await signRaw(server.endpoint, '', { credentials, date: new Date(), service: 's3', method: 'PUT', path: '/bench', headers: { 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } });
    if ((await send(server.endpoint, agent, bucket)).status !== 200) throw new Error('CreateBucket failed');
    agent.destroy();
    log('disk: sequential write (fsync) and read of 64 MiB in the data directory…');
    const disk = await diskThroughput(dataDir, 64 * MiB, quick ? 2 : 3);
    log(`  write ${disk.writeMBs.toFixed(0)} MB/s, read ${disk.readMBs.toFixed(0)} MB/s`);
    log('S3 PUT/GET throughput (one connection, UNSIGNED-PAYLOAD, streamed)…');
    const rows = await objectThroughput(server, credentials);
    log(`4 KiB PUT at saturation (${CONNECTIONS} connections, ${SAT_S} s)…`);
    const small = randomBytes(SMALL);
    const pool: WireRequest[] = [];
    for (let i = 0; i < (quick ? 64 : 256); i++) {
      const r = await s3Request(server.endpoint, credentials, 'PUT', `/bench/small-${i}`);
      pool.push({ ...r, body: small });
    }
    const check = await sendWire(server.endpoint, pool[0]!);
    if (check.status !== 200) throw new Error(`4 KiB PUT does not succeed (${check.status}): ${check.text}`);
    const put4k = await saturate(server.endpoint, pool, { connections: CONNECTIONS, seconds: SAT_S, warmupSeconds: quick ? 0.5 : 2 });
    if (put4k.non2xx > 0 || put4k.errors > 0) throw new Error(`4 KiB PUT: ${put4k.non2xx} non-2xx, ${put4k.errors} errors`);
    log('KMS Encrypt at saturation on the same server…');
    const fixture = await createKmsFixture(server.endpoint, credentials, { ciphertexts: 8 });
    const encrypt = await saturate(server.endpoint, await presignedPool(fixture, 'Encrypt', quick ? 64 : 256), { connections: CONNECTIONS, seconds: SAT_S, warmupSeconds: quick ? 0.5 : 2 });
    if (encrypt.non2xx > 0 || encrypt.errors > 0) throw new Error(`Encrypt: ${encrypt.non2xx} non-2xx, ${encrypt.errors} errors`);
    const lines = [
      `S3 vs the disk (${quick ? 'quick' : 'full'} run; disk: sequential 1 MiB writes + fsync ${disk.writeMBs.toFixed(0)} MB/s, read ${disk.readMBs.toFixed(0)} MB/s, 64 MiB, in the data directory's filesystem):`,
      '',
      '| object | PUT MB/s | PUT / disk write | PUT server CPU ms | GET MB/s | GET / disk read | GET server CPU ms |',
      '|---|--:|--:|--:|--:|--:|--:|',
      ...rows.map((r) =>
        `| ${r.label} | ${r.putMBs.toFixed(0)} | ${(r.putMBs / disk.writeMBs).toFixed(2)} | ${r.putCpuMs.toFixed(0)} | ${r.getMBs.toFixed(0)} | ${(r.getMBs / disk.readMBs).toFixed(2)} | ${r.getCpuMs.toFixed(0)} |`),
      '',
      `4 KiB PUT at saturation (${CONNECTIONS} connections): **${put4k.rps.toFixed(0)} req/s** (p50 ${put4k.p50.toFixed(1)} ms, p99 ${put4k.p99.toFixed(1)} ms) — ` +
        `${(put4k.rps / encrypt.rps).toFixed(2)}× KMS Encrypt on the same server (${encrypt.rps.toFixed(0)} req/s).`,
      `Server RSS after the run: ${(server.rssKiB() / 1024).toFixed(0)} MiB.`,
    ];
    console.log(lines.join('\n'));
    if (process.argv.includes('--json')) console.log(JSON.stringify({ disk, rows, put4k, encrypt }));
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(`s3 bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
