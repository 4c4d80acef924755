/**
 * Which store black-box servers use: SQLite in their data directory (default), or, with
 * LOCKSMITH_TEST_STORE=postgres, a database of their own on one throwaway PostgreSQL cluster per
 * test process (the same database again for the same data directory, so restart tests restart
 * onto their state). Lets the whole black-box suite run against the PostgreSQL adapter.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { databasePath } from '../../src/server/store-setup.js';
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

/** Runs psql on `url` with `args` (ON_ERROR_STOP, no psqlrc); its output. */
function psql(url: string, args: string[]): string {
  const r = spawnSync(join(binDir(), 'psql'), [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Runs one query synchronously (psql) on the database of a data directory's test server and
 * returns its rows (for white-box checks written against the SQLite file); undefined when that
 * server uses SQLite.
 */
export function queryTestDatabase<R>(dataDir: string, sql: string): R[] | undefined {
  const url = resolved.get(dataDir);
  if (!url) return undefined; // SQLite: not a harness server on PostgreSQL (or a spawned `serve`)
  return JSON.parse(psql(url, ['-A', '-t', '-c', `SELECT coalesce(json_agg(q), '[]') FROM (${sql}) q`])) as R[];
}

/** A string as an SQL literal (SQLite and PostgreSQL alike). */
export const sqlLiteral = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Runs SQL statements (DDL too) on the database of a data directory's test server (PostgreSQL only). */
export function execTestDatabase(dataDir: string, sql: string): void {
  const url = resolved.get(dataDir);
  if (!url) throw new Error(`no PostgreSQL test database for ${dataDir}`);
  psql(url, ['-c', sql]);
}

/**
 * Makes the store of a data directory's test server refuse inserts into `table` (only rows whose
 * `column` holds `value`, when given) with `message`, as a full disk would: a trigger in SQLite or
 * PostgreSQL, whichever the server uses. Returns the undo.
 */
export function failInserts(dataDir: string, table: string, message: string, only?: { column: string; value: string }): () => void {
  const name = `test_fail_${table}_${randomBytes(4).toString('hex')}`;
  if (resolved.has(dataDir)) {
    const raise = `RAISE EXCEPTION '%', ${sqlLiteral(message)};`;
    execTestDatabase(dataDir, `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN
      ${only ? `IF NEW.${only.column} = ${sqlLiteral(only.value)} THEN ${raise} END IF;` : raise} RETURN NEW; END $f$;
      CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}();`);
    return () => execTestDatabase(dataDir, `DROP TRIGGER ${name} ON ${table}; DROP FUNCTION ${name}();`);
  }
  const sqlite = (sql: string) => {
    const db = new Database(databasePath(dataDir));
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };
  sqlite(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} ${only ? `WHEN NEW.${only.column} = ${sqlLiteral(only.value)}` : ''}
    BEGIN SELECT RAISE(ABORT, ${sqlLiteral(message)}); END;`);
  return () => sqlite(`DROP TRIGGER ${name}`);
}

/** A plain-text dump (pg_dump, data only) of a PostgreSQL test database: what an attacker holding a backup reads. */
export function dumpTestDatabase(url: string): Buffer {
  const r = spawnSync(join(binDir(), 'pg_dump'), ['--data-only', '--no-owner', url], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`pg_dump failed: ${r.stderr.toString()}`);
  return r.stdout;
}

// Copies of a stopped test server's PostgreSQL database, for tests that change a copy of its state (a
// copied data directory then comes with a copied database); they live on the test process's cluster.

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Runs `fn` with a client connected to `url`; always disconnects. */
export async function withDatabase<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A new database on the same cluster, created from the database of the test server of `dataDir`
 * as its template (CREATE DATABASE … TEMPLATE: schema, rows and sequences as they are). That
 * server must be stopped: PostgreSQL refuses to copy a database others are connected to.
 * Returns the copy's URL. Throws when the data directory has no PostgreSQL test database.
 */
export async function copyTestDatabase(dataDir: string): Promise<string> {
  const source = resolved.get(dataDir);
  if (!source) throw new Error(`no PostgreSQL test database for ${dataDir}`);
  const sourceName = decodeURIComponent(new URL(source).pathname.slice(1));
  if (!sourceName) throw new Error(`no database name in ${source}`);
  const copyName = `${sourceName}_copy_${randomBytes(4).toString('hex')}`;
  if (Buffer.byteLength(copyName) > 63) throw new Error(`database name too long for a copy: ${sourceName}`); // PostgreSQL would truncate it
  const admin = new URL(source);
  admin.pathname = '/postgres'; // the cluster's maintenance database, same host, port and user
  await withDatabase(admin.href, (c) => c.query(`CREATE DATABASE ${quoteIdent(copyName)} TEMPLATE ${quoteIdent(sourceName)}`));
  const copy = new URL(source);
  copy.pathname = `/${encodeURIComponent(copyName)}`;
  return copy.href;
}
