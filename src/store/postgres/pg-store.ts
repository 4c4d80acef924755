import type { Store } from '../ports.js';
import type { S3Store } from '../s3-ports.js';
import { migrate } from './migrations.js';
import { pgAliasStore, pgTagStore } from './pg-aliases.js';
import { pgAuditStore } from './pg-audit.js';
import { pgCredentialStore } from './pg-credentials.js';
import { pgGrantStore } from './pg-grants.js';
import { pgIamStore } from './pg-iam.js';
import { pgKeyStore } from './pg-keys.js';
import { pgS3Store } from './pg-s3.js';
import { pgSessionStore } from './pg-sessions.js';
import { openPgPool, type PgDatabase, type PgPoolOptions } from './pool.js';

/** The PostgreSQL store of one node, and its S3 metadata store on the same pool. */
export interface PostgresStore extends Store {
  s3: S3Store;
  db: PgDatabase;
}

/** The store over an open, migrated pool. Closing it ends the pool. */
export function postgresStore(db: PgDatabase): PostgresStore {
  return {
    db,
    keys: pgKeyStore(db),
    aliases: pgAliasStore(db),
    tags: pgTagStore(db),
    credentials: pgCredentialStore(db),
    iam: pgIamStore(db),
    sessions: pgSessionStore(db),
    grants: pgGrantStore(db),
    audit: pgAuditStore(db),
    s3: pgS3Store(db),
    async ping() {
      try {
        return (await db.one<{ ok: number }>('SELECT 1 AS ok'))?.ok === 1;
      } catch {
        return false;
      }
    },
    async changeCount() {
      // numeric: the sum of BIGINTs; a JavaScript number while below 2^53.
      return Number((await db.one<{ n: string }>('SELECT sum(n) AS n FROM store_changes'))!.n);
    },
    close: () => db.close(),
  };
}

/**
 * Opens the store at a postgres:// URL: a bounded pool, then the migrations not yet applied
 * (under an advisory lock, so nodes starting together migrate once).
 */
export async function openPostgresStore(url: string, opts: PgPoolOptions = {}): Promise<PostgresStore> {
  const db = openPgPool(url, opts);
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return postgresStore(db);
}

/** Whether a database URL names PostgreSQL (postgres:// or postgresql://). */
export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);
