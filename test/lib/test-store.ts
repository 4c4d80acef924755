/**
 * Which store black-box servers use: SQLite in their data directory (default), or, with
 * LOCKSMITH_TEST_STORE=postgres, a database of their own on one throwaway PostgreSQL cluster per
 * test process (the same database again for the same data directory, so restart tests restart
 * onto their state). Lets the whole black-box suite run against the PostgreSQL adapter.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { binDir, startPostgres, type PostgresCluster } from './postgres.js';

let cluster: Promise<PostgresCluster> | undefined;
const databases = new Map<string, Promise<string>>();
const resolved = new Map<string, string>();

export const testStore = (): 'sqlite' | 'postgres' => (process.env.LOCKSMITH_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite');

/** The database URL a test server with this data directory uses; undefined for SQLite. */
export async function testDatabaseUrl(dataDir: string): Promise<string | undefined> {
  if (testStore() !== 'postgres') return undefined;
  if (!cluster) {
    cluster = startPostgres();
    const started = await cluster;
    process.once('exit', () => started.destroy());
    // A test process stopped by a signal (runner timeout) must not leave the cluster running.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        started.destroy();
        process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
      });
    }
  }
  const c = await cluster;
  let url = databases.get(dataDir);
  if (!url) databases.set(dataDir, (url = c.createDatabase()));
  resolved.set(dataDir, await url);
  return url;
}

/** The database URL already given to the test server of this data directory, if any (PostgreSQL only). */
export const knownTestDatabaseUrl = (dataDir: string): string | undefined => resolved.get(dataDir);

/**
 * Runs one query synchronously (psql) on the database of a data directory's test server and
 * returns its rows (for white-box checks written against the SQLite file); undefined when that
 * server uses SQLite.
 */
export function queryTestDatabase<R>(dataDir: string, sql: string): R[] | undefined {
  const url = resolved.get(dataDir);
  if (!url) return undefined; // SQLite: not a harness server on PostgreSQL (or a spawned `serve`)
  const r = spawnSync(join(binDir(), 'psql'), [url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', `SELECT coalesce(json_agg(q), '[]') FROM (${sql}) q`],
    { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as R[];
}
