/**
 * Where a ListKeys or LookupEvents page spends its time on PostgreSQL (issue 16, item 8):
 * `node --import tsx bench/postgres-pages.bench.ts --reuse DIR [--pages N] [--cpu-prof]`, DIR a
 * cluster kept and loaded by `bench/postgres.bench.ts --reuse DIR`. One built node; sequential
 * signed pages over HTTP, then the same pages through the store alone, each after a warm-up;
 * every statement the node ran is logged by PostgreSQL (log_min_duration_statement = 0) and
 * summed per page: how many round trips a page makes and what the database spends on them.
 * --cpu-prof profiles the node and prints where its CPU went.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startPostgres } from '../test/lib/postgres.js';
import { timedCalls } from './lib/timed-calls.js';
import { percentile } from '../test/reliability/lib/paced.js';
import { processTreeCpuSeconds, rootCredentials, spawnServer } from '../test/reliability/lib/server-process.js';
import { JSON_11, signKms, signRaw, type Credentials } from '../test/reliability/lib/sign.js';
import { openPostgresStore } from '../src/store/postgres/pg-store.js';
import type { AuditLookup } from '../src/store/audit-ports.js';
import { summarizeCpuProfile } from './lib/cpu-profile.js';

const args = process.argv.slice(2);
const flag = (f: string) => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);
const reuse = flag('--reuse');
if (!reuse) throw new Error('--reuse DIR: a cluster loaded by bench/postgres.bench.ts --reuse DIR');
const root = resolve(reuse);
const PAGES = Number(flag('--pages') ?? 200);
const WARMUP = 20;
const profile = args.includes('--cpu-prof');
const REGION = 'us-east-1';
const DAY = 86_400_000;
const log = (s: string) => process.stderr.write(s + '\n');
const f2 = (x: number) => x.toFixed(2);
const stats = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), n: xs.length });

const state = JSON.parse(readFileSync(join(root, 'bench-state.json'), 'utf8')) as { many: string };
const cluster = await startPostgres({ dir: join(root, 'pg') });
const url = `postgres://postgres@127.0.0.1:${cluster.port}/${state.many}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
const account = (await admin.query<{ account: string }>(`SELECT account FROM kms_keys GROUP BY account ORDER BY count(*) DESC LIMIT 1`)).rows[0]!.account;
const serverLog = join(root, 'pg', 'server.log');

/** Statements the node ran while `fn` ran, from the server log: count and summed duration per kind. */
async function statementsDuring(fn: () => Promise<void>): Promise<Map<string, { n: number; ms: number }>> {
  // ALTER SYSTEM and a reload: the node's open connections log too (ALTER DATABASE would reach new ones only).
  await admin.query(`ALTER SYSTEM SET log_min_duration_statement = 0`);
  await admin.query('SELECT pg_reload_conf()');
  const from = statSync(serverLog).size;
  try {
    await fn();
  } finally {
    await admin.query(`ALTER SYSTEM RESET log_min_duration_statement`);
    await admin.query('SELECT pg_reload_conf()');
  }
  const text = readFileSync(serverLog, 'utf8').slice(from);
  const out = new Map<string, { n: number; ms: number }>();
  // Extended-protocol statements log parse, bind and execute apart: the execute line counts the round trip.
  for (const m of text.matchAll(/duration: ([\d.]+) ms\s+(?:execute [^:]*|statement): ([^\n]*)/g)) {
    const kind = m[2]!.replace(/\s+/g, ' ').trim().slice(0, 60);
    const e = out.get(kind) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += Number(m[1]);
    out.set(kind, e);
  }
  return out;
}


const profDir = mkdtempSync(join(tmpdir(), 'locksmith-pg-pages-prof-'));
const node = await spawnServer(join(root, 'node-0'), {
  built: true,
  nodeArgs: profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [],
  serveArgs: ['--database-url', url, '--node-id', 'bench-0', '--tls-port', 'off'],
  env: { LOCKSMITH_ROOT_KEY_FILE: join(root, 'root-key') },
});
const creds: Credentials = rootCredentials(node.dataDir);
const listKeys = (i: number, prev: any) => signKms(node.endpoint, 'ListKeys', { Limit: 100, ...(prev?.NextMarker && i % PAGES !== 0 ? { Marker: prev.NextMarker } : {}) },
  { credentials: creds, date: new Date() });
const filters = [
  (i: number) => ({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Decrypt' }], StartTime: (Date.now() - (i % 90 + 1) * DAY) / 1000, EndTime: (Date.now() - (i % 90) * DAY) / 1000 }),
  (i: number) => ({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: `arn:aws:kms:${REGION}:${account}:key/bulk-${i % 1000}` }], StartTime: (Date.now() - 7 * DAY) / 1000 }),
  (i: number) => ({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: `user${i % 100}` }] }),
  () => ({}),
];
const lookupEvents = (i: number) => signRaw(node.endpoint, JSON.stringify({ ...filters[i % filters.length]!(i), MaxResults: 50 }), { credentials: creds, date: new Date(),
  service: 'cloudtrail', headers: { 'content-type': JSON_11, 'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents' } });

try {
  log(`node up; account ${account}; warm-up, then ${PAGES} pages of each …`);
  await timedCalls(node.endpoint, listKeys, WARMUP);
  await timedCalls(node.endpoint, lookupEvents, WARMUP);
  const cpu0 = processTreeCpuSeconds(node.pid);
  let http: { listKeys: number[]; lookup: number[] } = { listKeys: [], lookup: [] };
  const statements = { listKeys: new Map(), lookup: new Map() } as Record<'listKeys' | 'lookup', Map<string, { n: number; ms: number }>>;
  statements.listKeys = await statementsDuring(async () => void (http.listKeys = await timedCalls(node.endpoint, listKeys, PAGES)));
  const cpu1 = processTreeCpuSeconds(node.pid);
  statements.lookup = await statementsDuring(async () => void (http.lookup = await timedCalls(node.endpoint, lookupEvents, PAGES)));
  const cpu2 = processTreeCpuSeconds(node.pid);

  const direct = await openPostgresStore(url, { max: 2 });
  const storeTimes = async (n: number, call: (i: number, prev: any) => Promise<any>) => {
    for (let i = 0, prev: any; i < WARMUP; i++) prev = await call(i, prev);
    const out: number[] = [];
    let prev: any;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      prev = await call(i, prev);
      out.push(performance.now() - t0);
    }
    return out;
  };
  const attr = (key: NonNullable<AuditLookup['attribute']>['key'], value: string) => ({ attribute: { key, value } });
  const storeFilters = [
    (i: number) => ({ ...attr('EventName', 'Decrypt'), startTime: new Date(Date.now() - (i % 90 + 1) * DAY), endTime: new Date(Date.now() - (i % 90) * DAY) }),
    (i: number) => ({ ...attr('ResourceName', `arn:aws:kms:${REGION}:${account}:key/bulk-${i % 1000}`), startTime: new Date(Date.now() - 7 * DAY) }),
    (i: number) => attr('Username', `user${i % 100}`),
    () => ({}),
  ];
  const store = {
    listKeys: await storeTimes(PAGES, (_i, prev) => direct.keys.list(account, REGION, 100, prev?.next)),
    lookup: await storeTimes(PAGES, (i) => direct.audit.lookup({ account, region: REGION, limit: 50, ...storeFilters[i % storeFilters.length]!(i) })),
  };
  await direct.close();
  await node.stop();

  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`| page | over HTTP p50 / p99 | store alone p50 / p99 | node CPU per page | statements per page (DB ms per page) |\n|---|--:|--:|--:|---|`);
  for (const [name, cpu] of [['listKeys', cpu1 - cpu0], ['lookup', cpu2 - cpu1]] as const) {
    const h = stats(http[name]);
    const s = stats(store[name]);
    const st = [...statements[name].entries()].sort((a, b) => b[1].ms - a[1].ms);
    const total = st.reduce((t, [, e]) => t + e.ms, 0) / PAGES;
    const calls = st.reduce((t, [, e]) => t + e.n, 0) / PAGES;
    console.log(`| ${name} | ${f2(h.p50)} / ${f2(h.p99)} ms | ${f2(s.p50)} / ${f2(s.p99)} ms | ${((cpu * 1e6) / PAGES).toFixed(0)} µs | ${calls.toFixed(1)} (${f2(total)} ms) |`);
    for (const [kind, e] of st.slice(0, 12)) console.log(`|   | ${(e.n / PAGES).toFixed(2)} × | ${f2(e.ms / e.n)} ms each | | ${kind.replace(/\|/g, '\\|')} |`);
  }
  if (profile) {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      const s = summarizeCpuProfile(join(profDir, file), join(import.meta.dirname, '..'), 25);
      console.log(`\nprofile ${join(profDir, file)}: busy ${s.busyPercent.toFixed(0)} %\n| inclusive % | function | where |\n|--:|---|---|`);
      for (const f of s.inclusive) console.log(`| ${f.percent.toFixed(1)} | ${f.name} | ${f.where} |`);
      console.log('\n| self % | area |\n|--:|---|');
      for (const a of s.areas.slice(0, 15)) console.log(`| ${a.percent.toFixed(1)} | ${a.name} |`);
    }
  }
} finally {
  await node.stop().catch(() => {});
  await admin.end();
  cluster.destroy(); // kept: only stopped
}
