/**
 * The floor issue #12 set its throughput target against: the throwaway prototype it describes, a KMS
 * Encrypt server with nothing but SigV4 verification with a cached signing key, an AES-256-GCM seal,
 * a durable group-committed audit row in SQLite and keep-alive node:http. No key store, no key or IAM
 * policy, no CloudTrail record (a row of the call's facts as JSON), no request log or metrics, no
 * body limit or connection guard, no model validation. It verifies the same pre-signed requests
 * Locksmith's bench replays (the fixture user's access key, given in the environment), so wrk drives
 * it exactly as it drives Locksmith (`bench/hot-path.bench.ts --floor`).
 *
 * Run as its own process: MINIMAL_ACCESS_KEY_ID=… MINIMAL_SECRET_ACCESS_KEY=… node --import tsx
 * bench/lib/minimal-kms-server.ts <data dir> [with], where `with` adds Locksmith's own parts one by
 * one (comma-separated): `sigv4` (its parseSigV4 and verifySigV4 with a SigningKeyCache instead of the
 * few lines here), `log` (its request log: a pino line per request on stdout, buffered), `metrics`
 * (its LocksmithMetrics, counted per request). The audit rows are appended by a worker thread (WAL,
 * synchronous = FULL, one transaction per group, one group in flight), and an answer waits for its
 * row's commit, as Locksmith's audit-first does.
 */
import { createCipheriv, createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { parseSigV4, SigningKeyCache, verifySigV4, type HttpRequestParts } from '../../src/auth/sigv4.js';
import { LocksmithMetrics } from '../../src/server/metrics.js';
import { requestLogger } from '../../src/server/request-log.js';

/** The audit writer thread (plain JavaScript: a worker does not inherit this process's TypeScript loader). */
const WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, record TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO audit (record) VALUES (?)');
const commit = db.transaction((rows) => { for (const r of rows) insert.run(r); });
parentPort.on('message', (rows) => { commit(rows); parentPort.postMessage(rows.length); });
`;

const ACCESS_KEY_ID = process.env.MINIMAL_ACCESS_KEY_ID!;
const SECRET = process.env.MINIMAL_SECRET_ACCESS_KEY!;
const KEY = randomBytes(32);
const SKEW_MS = 5 * 60_000;
const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;
const signingKeys = new Map<string, Buffer>();
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const withParts = new Set((process.argv[3] ?? '').split(',').filter(Boolean));
const signingKeyCache = new SigningKeyCache();
const requestLog = withParts.has('log') ? requestLogger('stdout', undefined) : undefined;
const metrics = withParts.has('metrics') ? new LocksmithMetrics() : undefined;

/** verify, by Locksmith's SigV4 code. */
const verifyAsLocksmith = (req: IncomingMessage, body: Buffer): string | undefined => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const parts: HttpRequestParts = { method: req.method ?? 'GET', rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1), headers: req.headersDistinct };
  try {
    const signed = parseSigV4(parts);
    if (signed.accessKeyId !== ACCESS_KEY_ID) return 'unknown access key';
    verifySigV4(signed, parts, SECRET, { now: new Date(), payloadSha256Hex: createHash('sha256').update(body).digest('hex'), signingKeyCache });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

/** undefined when the request is signed by the known access key within the skew window; else why not. */
const verify = (req: IncomingMessage, body: Buffer): string | undefined => {
  const m = AUTH.exec(req.headers.authorization ?? '');
  if (!m) return 'no SigV4 authorization';
  const [, akid, date, region, service, signedHeaders, signature] = m as unknown as string[];
  if (akid !== ACCESS_KEY_ID) return 'unknown access key';
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const t = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (!(Math.abs(Date.now() - t) <= SKEW_MS)) return 'signature expired';
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let canonical = `${req.method}\n${q < 0 ? url : url.slice(0, q)}\n${q < 0 ? '' : url.slice(q + 1)}\n`;
  for (const name of signedHeaders!.split(';')) canonical += `${name}:${String(req.headers[name] ?? '').trim()}\n`;
  canonical += `\n${signedHeaders}\n${createHash('sha256').update(body).digest('hex')}`;
  const scope = `${date}/${region}/${service}/aws4_request`;
  let key = signingKeys.get(scope);
  if (!key) signingKeys.set(scope, (key = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, date!), region!), service!), 'aws4_request')));
  const expected = hmac(key, `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`);
  return timingSafeEqual(expected, Buffer.from(signature!, 'hex')) ? undefined : 'signature does not match';
};

const answer = (res: ServerResponse, status: number, body: string, requestId: string) => {
  res.writeHead(status, ['content-type', 'application/x-amz-json-1.1', 'x-amzn-requestid', requestId, 'content-length', String(Buffer.byteLength(body))]);
  res.end(body);
};

// Group commit: the rows queued while a group commits go in the next one.
const writer = new Worker(WRITER, { eval: true, workerData: { sqlite: createRequire(import.meta.url).resolve('better-sqlite3'), path: join(process.argv[2]!, `minimal-audit-${process.pid}.db`) } });
let rows: string[] = [];
let answers: (() => void)[] = [];
let inFlight: (() => void)[] | undefined;
let scheduled = false;
const post = () => {
  scheduled = false;
  if (inFlight || rows.length === 0) return;
  inFlight = answers;
  writer.postMessage(rows);
  rows = [];
  answers = [];
};
writer.on('message', () => {
  const done = inFlight!;
  inFlight = undefined;
  for (const a of done) a();
  post();
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const requestId = randomUUID();
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const started = performance.now();
    const denied = withParts.has('sigv4') ? verifyAsLocksmith(req, body) : verify(req, body);
    if (denied) return answer(res, 403, JSON.stringify({ __type: 'AccessDeniedException', message: denied }), requestId);
    const input = JSON.parse(body.toString()) as { KeyId: string; Plaintext: string };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', KEY, iv);
    cipher.setAAD(Buffer.from(input.KeyId));
    const sealed = Buffer.concat([iv, cipher.update(Buffer.from(input.Plaintext, 'base64')), cipher.final(), cipher.getAuthTag()]);
    const reply = JSON.stringify({ CiphertextBlob: sealed.toString('base64'), KeyId: input.KeyId, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    rows.push(JSON.stringify({ eventTime: Date.now(), eventName: 'Encrypt', accessKeyId: ACCESS_KEY_ID, keyId: input.KeyId, requestId, sourceIp: req.socket.remoteAddress }));
    answers.push(() => {
      answer(res, 200, reply, requestId);
      const ms = performance.now() - started;
      metrics?.request('kms', 'Encrypt', 'success', ms / 1000, input.KeyId);
      requestLog?.info({ requestId, principal: ACCESS_KEY_ID, service: 'kms', operation: 'Encrypt', outcome: 'success', latencyMs: Math.round(ms * 1000) / 1000 }, 'request');
    });
    if (!scheduled) {
      scheduled = true;
      setImmediate(post);
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log(`minimal KMS listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.once('SIGTERM', () => {
  server.close();
  void writer.terminate().then(() => process.exit(0));
});
