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

/** A string as an SQL literal (SQLite and PostgreSQL alike). */
export const sqlLiteral = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Runs SQL statements (DDL too) on the database of a data directory's test server (PostgreSQL only). */
export function execTestDatabase(dataDir: string, sql: string): void {
  const url = resolved.get(dataDir);
  if (!url) throw new Error(`no PostgreSQL test database for ${dataDir}`);
  const r = spawnSync(join(binDir(), 'psql'), [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
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
    const db = new Database(join(dataDir, 'locksmith.db'));
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
