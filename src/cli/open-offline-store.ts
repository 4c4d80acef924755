import { existsSync } from 'node:fs';
import { databasePath } from '../server/store-setup.js';
import type { Store } from '../store/ports.js';
import type { S3Store } from '../store/s3-ports.js';
import { openSqliteS3Store } from '../store/sqlite/sqlite-s3.js';
import { withWriterChains } from '../store/postgres/pg-audit-chains.js';
import { isPostgresUrl, openPostgresStore } from '../store/postgres/pg-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';

/** The database URL offline commands use when no --database-url is given. */
export const DEFAULT_DATABASE_URL = process.env.LOCKSMITH_DATABASE_URL || undefined;

/**
 * The store an offline command (audit, explain) reads: PostgreSQL at `databaseUrl` when given,
 * else the SQLite file of the data directory, which must exist.
 */
export async function openOfflineStore(dataDir: string, databaseUrl: string | undefined = DEFAULT_DATABASE_URL): Promise<Store> {
  if (databaseUrl !== undefined) {
    if (!isPostgresUrl(databaseUrl)) throw new Error('the database URL must start with postgres:// or postgresql://');
    // An offline tool: no per-statement limit (a verify reads every chain of a large trail).
    const pg = await openPostgresStore(databaseUrl, { max: 2, statementTimeoutMs: 0 });
    // Every node's audit chains (account, region, node id), as the nodes write them.
    return { ...pg, audit: withWriterChains(pg.audit, pg.db, '') };
  }
  const path = databasePath(dataDir);
  if (!existsSync(path)) throw new Error(`no Locksmith database at ${path}`);
  return openSqliteStore(path);
}

/** The KMS/IAM/audit store and the S3 metadata store an offline command (explain) reads; `close` closes both. */
export async function openOfflineStores(dataDir: string, databaseUrl: string | undefined = DEFAULT_DATABASE_URL): Promise<{ store: Store; s3: S3Store; close(): Promise<void> }> {
  const store = await openOfflineStore(dataDir, databaseUrl);
  if (databaseUrl !== undefined) return { store, s3: (store as Store & { s3: S3Store }).s3, close: () => store.close() };
  const s3 = openSqliteS3Store(databasePath(dataDir));
  return { store, s3, close: async () => { await s3.close(); await store.close(); } };
}
