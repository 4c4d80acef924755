import type Database from 'better-sqlite3';

/**
 * A write transaction that takes SQLite's write lock at BEGIN (BEGIN IMMEDIATE). Two connections
 * write to the file (the server's and the audit writer's); a deferred transaction that read first
 * would fail with SQLITE_BUSY when the other one committed in between, whereas an immediate one
 * waits for the lock (busy_timeout) and then reads the latest state.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function writeTransaction<F extends (...args: any[]) => any>(db: Database.Database, fn: F): (...args: Parameters<F>) => ReturnType<F> {
  return db.transaction(fn).immediate as unknown as (...args: Parameters<F>) => ReturnType<F>;
}
