/**
 * Copies of a test server's PostgreSQL database (LOCKSMITH_TEST_STORE=postgres, see test-store.ts),
 * for tests that change a copy of a stopped server's state (a copied data directory then comes
 * with a copied database). The copies live on the test process's throwaway cluster, which is
 * removed with it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { knownTestDatabaseUrl } from './test-store.js';

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
  const source = knownTestDatabaseUrl(dataDir);
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
