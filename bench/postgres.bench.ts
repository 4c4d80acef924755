/**
 * Locksmith on PostgreSQL at scale (issue 16): `node --import tsx bench/postgres.bench.ts`
 * [--keys N] [--audit N] [--quick] [--reuse DIR]; `npm run bench` runs it after the main table.
 * --reuse DIR keeps the loaded cluster in DIR between runs (the bulk load happens once).
 * - Decrypt latency with 10 keys, then with N (default 1,000,000) keys in the database: ratio;
 * - ListKeys page (Limit 100) p99 with N keys in the account, paging deep through NextMarker;
 * - LookupEvents filtered page p99 with M (default 10,000,000) audit records;
 * - invalidation window: DisableKey/EnableKey through node A, node B polled in a tight loop;
 * - two nodes ÷ one node, Decrypt at saturation (wrk), with server and PostgreSQL CPU per request.
 * Nodes are the built server (`locksmith serve --database-url`), PostgreSQL a throwaway cluster.
 */
import { DisableKeyCommand, EnableKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startPostgres } from '../test/lib/postgres.js';
import { timedCalls } from './lib/timed-calls.js';
import { createKmsFixture, presignedPool } from '../test/reliability/lib/kms-fixture.js';
import { paced, percentile } from '../test/reliability/lib/paced.js';
import { processTreeCpuSeconds, rootCredentials, spawnServer, type ServerProcess } from '../test/reliability/lib/server-process.js';
import { JSON_11, signKms, signRaw, type Credentials } from '../test/reliability/lib/sign.js';
import { bulkLoadAudit, bulkLoadKeys } from './lib/pg-bulk.js';
import { RESULTS_DIR } from './lib/results-dir.js';
import { PostgresChangeWatcher } from '../src/store/postgres/notifications.js';
import { openPostgresStore } from '../src/store/postgres/pg-store.js';
import type { LookupAttributeKey } from '../src/store/audit-ports.js';
import { wrk } from './lib/wrk.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const num = (flag: string, dflt: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : dflt);
const KEYS = num('--keys', quick ? 20_000 : 1_000_000);
const AUDIT = num('--audit', quick ? 200_000 : 10_000_000);
const cfg = quick ? { latencyS: 3, rate: 50, pages: 50, rounds: 20, satS: 4 } : { latencyS: 10, rate: 100, pages: 200, rounds: 100, satS: 10 };
const log = (s: string) => process.stderr.write(s + '\n');
const REGION = 'us-east-1';

const stats = (xs: number[] | Float64Array) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), n: xs.length });
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

async function decryptLatency(endpoint: string, pool: Awaited<ReturnType<typeof presignedPool>>) {
  const r = await paced({ endpoint, rate: cfg.rate, durationMs: cfg.latencyS * 1000, next: (i) => pool[i % pool.length]!, connections: 8 });
  if (r.ok !== r.sent) throw new Error(`Decrypt failed: ${JSON.stringify(r.statuses)} ${r.samples.join(' ')}`);
  return stats(r.latenciesMs);
}

/** Calls made first and not counted (connections, JIT, plans), in every sequential measurement. */
const WARMUP = 10;


const lookupEvents = (endpoint: string, creds: Credentials, input: object) =>
  signRaw(endpoint, JSON.stringify(input), { credentials: creds, date: new Date(), service: 'cloudtrail',
    headers: { 'content-type': JSON_11, 'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents' } });

async function postmasterPid(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const dir = (await c.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
    return Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } finally {
    await c.end();
  }
}

/** wrk against each endpoint at once; req/s summed, CPU per request of the nodes and of PostgreSQL. */
async function saturateNodes(nodes: ServerProcess[], pool: Awaited<ReturnType<typeof presignedPool>>, pgPid: number) {
  const cpu = () => ({ nodes: nodes.reduce((s, n) => s + processTreeCpuSeconds(n.pid), 0), pg: processTreeCpuSeconds(pgPid) });
  const before = cpu();
  const runs = await Promise.all(nodes.map((n) => wrk(n.endpoint, pool, { seconds: cfg.satS, connections: 32 / nodes.length })));
  const after = cpu();
  const requests = runs.reduce((s, r) => s + r.requests - r.non2xx, 0);
  return {
    rps: runs.reduce((s, r) => s + r.rps, 0),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    p99: Math.max(...runs.map((r) => r.p99)),
    nodeCpuUs: ((after.nodes - before.nodes) * 1e6) / requests,
    pgCpuUs: ((after.pg - before.pg) * 1e6) / requests,
  };
}

/** postgresql.conf of the bench cluster: a production-like buffer cache for 10 M rows, fewer checkpoints during the load. */
const PG_SETTINGS = ['shared_buffers = 512MB', 'max_wal_size = 4GB', 'checkpoint_timeout = 15min'];

async function main() {
  const started = new Date();
  // --reuse DIR keeps the cluster, the node directories and the root key in DIR, and loads only
  // what the database does not hold yet: a second run skips the bulk load.
  const reuse = args.includes('--reuse') ? resolve(args[args.indexOf('--reuse') + 1]!) : undefined;
  const root = reuse ?? mkdtempSync(join(tmpdir(), 'locksmith-pg-bench-'));
  const cluster = await startPostgres({ settings: PG_SETTINGS, ...(reuse ? { dir: join(reuse, 'pg') } : {}) });
  const nodes: ServerProcess[] = [];
  try {
    // Two databases on one cluster: "few" keeps the fixture's handful of keys, "many" gets the bulk
    // load; their Decrypt latencies are measured in alternating rounds, so load on the (shared)
    // machine that comes and goes hits both alike.
    const statePath = join(root, 'bench-state.json');
    const dbName = (u: string) => u.slice(u.lastIndexOf('/') + 1);
    const state: { few: string; many: string } = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8'))
      : { few: dbName(await cluster.createDatabase()), many: dbName(await cluster.createDatabase()) };
    if (reuse) writeFileSync(statePath, JSON.stringify(state));
    const dbUrl = (name: string) => `postgres://postgres@127.0.0.1:${cluster.port}/${name}`;
    const fewUrl = dbUrl(state.few);
    const url = dbUrl(state.many);
    const rootKeyFile = join(root, 'root-key');
    if (!existsSync(rootKeyFile)) writeFileSync(rootKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    const startNode = async (i: number, dbUrl = url) => {
      const n = await spawnServer(join(root, `node-${i}`), { built: true, serveArgs: ['--database-url', dbUrl, '--node-id', `bench-${i}`, '--tls-port', 'off'],
        env: { LOCKSMITH_ROOT_KEY_FILE: rootKeyFile } });
      nodes.push(n);
      return n;
    };
    const a = await startNode(0);
    const small = await startNode(9, fewUrl);
    const rootCreds = rootCredentials(a.dataDir);
    const userName = `bench-${started.getTime()}`;
    const fixture = await createKmsFixture(a.endpoint, rootCreds, { ciphertexts: 64, userName });
    const smallFixture = await createKmsFixture(small.endpoint, rootCredentials(small.dataDir), { ciphertexts: 64, userName });
    const keyCount = async (dbUrl: string) => {
      const c = new pg.Client({ connectionString: dbUrl });
      await c.connect();
      try {
        return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM kms_keys')).rows[0]!.n);
      } finally {
        await c.end();
      }
    };
    const fewKeys = await keyCount(fewUrl);
    const toLoad = Math.max(0, KEYS - (await keyCount(url)));
    log(`bulk-loading ${toLoad} keys …`);
    const keysLoadS = toLoad > 0 ? await bulkLoadKeys(url, { account: fixture.account, region: REGION, keyId: fixture.keyA }, toLoad, log) : 0;
    const manyKeys = await keyCount(url);
    log(`Decrypt latency, ${fewKeys} keys and ${manyKeys} keys in alternating rounds …`);
    const [smallPool, largePool] = [await presignedPool(smallFixture, 'Decrypt', 256), await presignedPool(fixture, 'Decrypt', 256)];
    await decryptLatency(small.endpoint, smallPool); // warm-up (JIT, caches, connections), not counted
    await decryptLatency(a.endpoint, largePool);
    const rounds: { few: ReturnType<typeof stats>; many: ReturnType<typeof stats> }[] = [];
    for (let r = 0; r < 3; r++) rounds.push({ few: await decryptLatency(small.endpoint, smallPool), many: await decryptLatency(a.endpoint, largePool) });
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const few = { p50: median(rounds.map((r) => r.few.p50)), p99: median(rounds.map((r) => r.few.p99)) };
    const many = { p50: median(rounds.map((r) => r.many.p50)), p99: median(rounds.map((r) => r.many.p99)) };
    const ratios = { p50: median(rounds.map((r) => r.many.p50 / r.few.p50)), p99: median(rounds.map((r) => r.many.p99 / r.few.p99)) };
    await small.stop();

    log('ListKeys pages …');
    // CPU per page of the node and of PostgreSQL: robust to a shared machine, unlike the latencies.
    const pgPid = await postmasterPid(url);
    const cpuNow = () => ({ node: processTreeCpuSeconds(a.pid), pg: processTreeCpuSeconds(pgPid) });
    const perPage = (t0: ReturnType<typeof cpuNow>, n: number) => {
      const t1 = cpuNow();
      return { nodeUs: ((t1.node - t0.node) * 1e6) / n, pgUs: ((t1.pg - t0.pg) * 1e6) / n };
    };
    let cpu0 = cpuNow();
    const listKeys = stats(await timedCalls(a.endpoint, (_i, prev) => signKms(a.endpoint, 'ListKeys', { Limit: 100, ...(prev?.NextMarker ? { Marker: prev.NextMarker } : {}) },
      { credentials: rootCreds, date: new Date() }), cfg.pages, WARMUP));
    const listKeysCpu = perPage(cpu0, cfg.pages + WARMUP);

    // The same pages through the store alone (this process, its own pool): what the database costs
    // without HTTP, SigV4 and the server's share of a busy CPU.
    const direct = await openPostgresStore(url, { max: 2 });
    const storeTimes = async (n: number, call: (i: number, prev: any) => Promise<any>) => {
      for (let w = 0; w < WARMUP; w++) await call(n + w, undefined);
      const out: number[] = [];
      let prev: any;
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        prev = await call(i, prev);
        out.push(performance.now() - t0);
      }
      return stats(out);
    };
    const listKeysStore = await storeTimes(cfg.pages, (_i, prev) => direct.keys.list(fixture.account, REGION, 100, prev?.next));

    log(`bulk-loading up to ${AUDIT} audit records …`);
    const audit = await bulkLoadAudit(url, { account: fixture.account, region: REGION, count: AUDIT, days: 90, end: new Date() }, log);
    const day = 86_400_000;
    const filters = [
      (i: number) => ({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Decrypt' }], StartTime: (Date.now() - (i % 90 + 1) * day) / 1000, EndTime: (Date.now() - (i % 90) * day) / 1000 }),
      (i: number) => ({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: `arn:aws:kms:${REGION}:${fixture.account}:key/bulk-${i % 1000}` }], StartTime: (Date.now() - 7 * day) / 1000 }),
      (i: number) => ({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: `user${i % 100}` }] }),
      () => ({}),
    ];
    log('LookupEvents pages …');
    cpu0 = cpuNow();
    const lookup = stats(await timedCalls(a.endpoint, (i) => lookupEvents(a.endpoint, rootCreds, { ...filters[i % filters.length]!(i), MaxResults: 50 }), cfg.pages, WARMUP));
    const lookupCpu = perPage(cpu0, cfg.pages + WARMUP);

    const attr = (key: LookupAttributeKey, value: string) => ({ attribute: { key, value } });
    const storeFilters = [
      (i: number) => ({ ...attr('EventName', 'Decrypt'), startTime: new Date(Date.now() - (i % 90 + 1) * day), endTime: new Date(Date.now() - (i % 90) * day) }),
      (i: number) => ({ ...attr('ResourceName', `arn:aws:kms:${REGION}:${fixture.account}:key/bulk-${i % 1000}`), startTime: new Date(Date.now() - 7 * day) }),
      (i: number) => attr('Username', `user${i % 100}`),
      () => ({}),
    ];
    const lookupStore = await storeTimes(cfg.pages, (i) => direct.audit.lookup({ account: fixture.account, region: REGION, limit: 50, ...storeFilters[i % storeFilters.length]!(i) }));
    await direct.close();

    log('second node, invalidation window …');
    const b = await startNode(1);
    const kmsA = new KMSClient({ endpoint: a.endpoint, region: REGION, credentials: rootCreds, maxAttempts: 1 });
    const kmsB = new KMSClient({ endpoint: b.endpoint, region: REGION, credentials: rootCreds, maxAttempts: 1 });
    const probe = () => kmsB.send(new EncryptCommand({ KeyId: fixture.keyB, Plaintext: Buffer.from('x') })).then(() => true, () => false);
    const staleStarts: number[] = [];
    const firstFresh: number[] = [];
    let staleAnswers = 0;
    for (let i = 0; i < cfg.rounds; i++) {
      const disabling = i % 2 === 0;
      await probe();
      await kmsA.send(disabling ? new DisableKeyCommand({ KeyId: fixture.keyB }) : new EnableKeyCommand({ KeyId: fixture.keyB }));
      const acked = performance.now();
      let last = 0;
      for (;;) {
        const sent = performance.now() - acked;
        const fresh = (await probe()) !== disabling;
        if (fresh) break;
        (last = sent), staleAnswers++;
        if (sent > 5000) throw new Error('node B never saw the change');
      }
      staleStarts.push(last);
      firstFresh.push(performance.now() - acked);
    }
    if ((await probe()) === false) await kmsA.send(new EnableKeyCommand({ KeyId: fixture.keyB }));

    // Propagation alone: a committed write of cached state → a node's change feed reports it.
    const watcher = new PostgresChangeWatcher({ connection: { connectionString: url }, query: async () => ({ rows: [] }) });
    await watcher.start();
    let notified: (() => void) | undefined;
    watcher.onChange(() => notified?.());
    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    const propagation: number[] = [];
    for (let i = 0; i < cfg.rounds; i++) {
      const seen = new Promise<number>((resolve) => (notified = () => resolve(performance.now())));
      await writer.query('UPDATE accounts SET created_at = created_at WHERE account = $1', [fixture.account]);
      const committed = performance.now();
      propagation.push((await seen) - committed);
    }
    await writer.end();
    await watcher.close();

    log('saturation: one node, then two …');
    const satPool = await presignedPool(fixture, 'Decrypt', 256);
    const one = await saturateNodes([a], satPool, pgPid);
    const two = await saturateNodes([a, b], satPool, pgPid);

    const result = {
      started: started.toISOString(), quick, loadavg: loadavg(), keys: { few: fewKeys, many: manyKeys, loadS: keysLoadS }, audit: { records: AUDIT, ...audit },
      decrypt: { rounds, few, many, ratioP50: ratios.p50, ratioP99: ratios.p99 }, listKeys, lookup, listKeysStore, lookupStore, listKeysCpu, lookupCpu,
      invalidation: { staleStart: stats(staleStarts), firstFresh: stats(firstFresh), staleAnswers, propagation: stats(propagation) }, one, two, twoOverOne: two.rps / one.rps,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, `postgres-${started.toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
    console.log(`| figure | value | goal |\n|---|--:|--:|`);
    console.log(`| Decrypt p50 / p99 at ${cfg.rate}/s, ${fewKeys} keys (median of 3 rounds) | ${f2(few.p50)} / ${f2(few.p99)} ms | |`);
    console.log(`| Decrypt p50 / p99 at ${cfg.rate}/s, ${manyKeys} keys (median of 3 rounds) | ${f2(many.p50)} / ${f2(many.p99)} ms | |`);
    console.log(`| Decrypt ${manyKeys} keys ÷ ${fewKeys} keys, median of per-round ratios (p50 / p99) | ${f2(result.decrypt.ratioP50)} / ${f2(result.decrypt.ratioP99)} | ≤ 1.2 |`);
    console.log(`| ListKeys page (100) p50 / p99, ${manyKeys} keys, ${listKeys.n} pages deep | ${f2(listKeys.p50)} / ${f2(listKeys.p99)} ms | p99 ≤ 20 ms |`);
    console.log(`| ListKeys page through the store alone (no HTTP), p50 / p99 | ${f2(listKeysStore.p50)} / ${f2(listKeysStore.p99)} ms | |`);
    console.log(`| ListKeys page: CPU µs per page, node + PostgreSQL | ${listKeysCpu.nodeUs.toFixed(0)} + ${listKeysCpu.pgUs.toFixed(0)} | |`);
    console.log(`| LookupEvents filtered page (50) p50 / p99, ${AUDIT} records | ${f2(lookup.p50)} / ${f2(lookup.p99)} ms | p99 ≤ 20 ms |`);
    console.log(`| LookupEvents page: CPU µs per page, node + PostgreSQL | ${lookupCpu.nodeUs.toFixed(0)} + ${lookupCpu.pgUs.toFixed(0)} | |`);
    console.log(`| LookupEvents page through the store alone (no HTTP), p50 / p99 | ${f2(lookupStore.p50)} / ${f2(lookupStore.p99)} ms | |`);
    console.log(`| invalidation: last stale call started after ack, p99 / max (${cfg.rounds} flips, ${staleAnswers} stale answers) | ${f1(result.invalidation.staleStart.p99)} / ${f1(Math.max(...staleStarts))} ms | ≤ 100 ms |`);
    console.log(`| invalidation: first fresh answer after ack, p50 / p99 (includes that call's latency) | ${f1(result.invalidation.firstFresh.p50)} / ${f1(result.invalidation.firstFresh.p99)} ms | |`);
    console.log(`| invalidation: commit → another node's change feed (NOTIFY), p50 / p99 | ${f2(result.invalidation.propagation.p50)} / ${f2(result.invalidation.propagation.p99)} ms | |`);
    console.log(`| Decrypt req/s at saturation, one node / two nodes | ${one.rps.toFixed(0)} / ${two.rps.toFixed(0)} (× ${f2(result.twoOverOne)}) | |`);
    console.log(`| CPU µs per Decrypt, node(s) + PostgreSQL, one node / two | ${one.nodeCpuUs.toFixed(0)} + ${one.pgCpuUs.toFixed(0)} / ${two.nodeCpuUs.toFixed(0)} + ${two.pgCpuUs.toFixed(0)} | |`);
    console.log(`| bulk load: ${KEYS} keys / ${AUDIT} audit records (+ index build) | ${f1(keysLoadS)} s / ${f1(audit.loadS)} s (+ ${f1(audit.indexS)} s) | |`);
  } finally {
    for (const n of nodes) await n.stop().catch(() => {});
    cluster.destroy(); // with --reuse: only stopped
    if (!reuse) rmSync(root, { recursive: true, force: true });
  }
}

await main();
