import pg from 'pg';
import { ValidationException } from '../../errors/aws-error.js';

/**
 * The PostgreSQL connection pool of one Locksmith node, and the few ways the adapter uses it.
 * The pool is bounded (`max`) and acquiring a connection gives up after `acquireTimeoutMs`, so a
 * node whose pool is exhausted (or whose database is down) fails the request with an error — the
 * server answers it with the retryable AWS internal fault (KMSInternalException / S3
 * InternalError) — and never hangs.
 */
export interface PgPoolOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** How long a query waits for a free connection before failing (default ACQUIRE_TIMEOUT_MS). */
  acquireTimeoutMs?: number;
  /** Server-side limit on one statement, lock waits included (default STATEMENT_TIMEOUT_MS; 0: none). */
  statementTimeoutMs?: number;
}

/**
 * A call makes a few waits at most (its audit intent, its own statements, its record), so both
 * limits stay well below the server's socket timeout (30 s, --request-timeout-ms): a call whose
 * connections are blocked is answered with the retryable internal error, not a reset socket.
 */
export const STATEMENT_TIMEOUT_MS = 5_000;
export const ACQUIRE_TIMEOUT_MS = 2_000;

/** What one statement returns: its rows and how many rows it changed. */
export interface PgResult<R> {
  rows: R[];
  rowCount: number;
}

/** Runs statements: on the pool (each its own transaction) or inside one transaction. */
export interface PgQueries {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<PgResult<R>>;
  rows<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  one<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R | undefined>;
  /** How many rows the statement changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
}

export interface PgDatabase extends PgQueries {
  readonly pool: pg.Pool;
  /**
   * Runs `fn` in one READ COMMITTED transaction on one connection; commits when it resolves,
   * rolls back when it throws. Deadlocks and serialization failures are retried a few times.
   */
  transaction<T>(fn: (tx: PgQueries) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** BIGINT columns (epoch milliseconds, sequence numbers, counts) as JavaScript numbers: all stay below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** SQLSTATEs after which the whole transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

/**
 * PostgreSQL text cannot hold U+0000 (SQLSTATE 22021 / 22P05), which SQLite's can: such a value is
 * the caller's bad input, answered as a 400 rather than the internal fault.
 */
// Unverified: AWS's own answer to a NUL in these fields; the message is Locksmith's.
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

const queriesOf = (c: { query: pg.Pool['query'] }): PgQueries => {
  const query = async <R>(sql: string, params: unknown[] = []): Promise<PgResult<R>> => {
    try {
      const r = await c.query(sql, params);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    } catch (e) {
      if (UNSTORABLE_TEXT.has((e as { code?: string }).code ?? '')) throw ValidationException('1 validation error detected: a value contains the character U+0000, which this Locksmith store (PostgreSQL) cannot hold');
      throw e;
    }
  };
  return {
    query,
    rows: async (sql, params) => (await query(sql, params)).rows as never,
    one: async (sql, params) => (await query(sql, params)).rows[0] as never,
    run: async (sql, params) => (await query(sql, params)).rowCount,
  };
};

export function openPgPool(url: string, opts: PgPoolOptions = {}): PgDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.acquireTimeoutMs ?? ACQUIRE_TIMEOUT_MS,
    statement_timeout: opts.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'locksmith',
    types,
  });
  // An idle connection that dies (database restarted) must not crash the process: the pool drops it.
  pool.on('error', () => {});
  const transaction = async <T>(fn: (tx: PgQueries) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out client has no pool listener: its connection dying between statements
      // (database restarted) would be an unhandled 'error' event and end the process.
      const onError = (e: Error) => (broken ??= e);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(queriesOf(client));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch (rollback) {
          broken = rollback as Error; // the connection is unusable: do not return it to the pool
        }
        const code = (e as { code?: string }).code;
        if (!(code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS)) throw e;
      } finally {
        client.removeListener('error', onError);
        client.release(broken);
      }
    }
  };
  return { pool, ...queriesOf(pool), transaction, close: () => pool.end() };
}
