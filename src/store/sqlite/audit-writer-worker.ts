/**
 * Worker thread that appends audit records (src/store/sqlite/audit-writer.ts), deriving the
 * CloudTrail records of API calls from their facts first (event-builder.ts callEvents): its own
 * connection to the store's file, the same append (hash chain, lookup index) in one
 * transaction per batch, so the commit's fsync never blocks the server's event loop. It appends to
 * the chains of its writer id ('' for a single process; its own per `serve --workers` process).
 *
 * Other connections write the same file (the server's own; in a cluster, every worker's and their
 * writer threads').
 * SQLite's own busy handler sleeps 1, 2, 5, 10… ms between attempts, which under contention
 * stacks up to tens of milliseconds per commit; this thread blocks anyway, so it retries the
 * write lock every 0.1–1 ms instead (for 5 s at most, as busy_timeout did).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { callEvents, type EventDeps } from '../../audit/event-builder.js';
import { createPooledRandom } from '../../crypto/random.js';
import type { AuditItem, NewAuditEvent } from '../audit-ports.js';
import { sqliteAliasStore } from './sqlite-aliases.js';
import { sqliteAuditStore } from './sqlite-audit.js';
import { sqliteIamStore } from './sqlite-iam.js';
import { sqliteKeyStore } from './sqlite-keys.js';
import { sqliteSessionStore } from './sqlite-sessions.js';
import { openDatabase, type DatabaseOptions } from './sqlite-store.js';

const LOCK_WAIT_MS = 5000;
const { path, writer, options } = workerData as { path: string; writer: string; options: DatabaseOptions };
const db = openDatabase(path, options);
db.pragma('busy_timeout = 0');
const audit = sqliteAuditStore(db, writer);
// The eventIDs' random bits come from the thread's own pool: one randomBytes call per record was
// ~6 µs of the writer's ~60 per record at saturation (bench/README.md, "A turn's requests together").
const random = createPooledRandom();
// What deriving a call's records reads (userIdentity, resources, other owners), on this connection.
const deps: EventDeps = {
  store: { keys: sqliteKeyStore(db), aliases: sqliteAliasStore(db), sessions: sqliteSessionStore(db), iam: sqliteIamStore(db) },
  random,
};
const sleeper = new Int32Array(new SharedArrayBuffer(4));
parentPort!.postMessage({ ready: true });

async function appendWhenLocked(events: NewAuditEvent[]): Promise<void> {
  const deadline = performance.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await audit.append(events);
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || performance.now() > deadline) throw e;
      Atomics.wait(sleeper, 0, 0, Math.min(0.1 * 2 ** attempt, 1));
    }
  }
}

/** The records of the items, in order: call facts become their CloudTrail records here, off the request path. */
async function recordsOf(items: AuditItem[]): Promise<NewAuditEvent[]> {
  const events: NewAuditEvent[] = [];
  for (const item of items) {
    if ('call' in item) events.push(...(await callEvents(item.call, deps)));
    else events.push(item);
  }
  return events;
}

parentPort!.on('message', (m: { id: number; items: AuditItem[] } | 'close') => {
  if (m === 'close') {
    random.close();
    db.close();
    parentPort!.close();
    return;
  }
  recordsOf(m.items).then(appendWhenLocked).then(
    () => parentPort!.postMessage({ id: m.id }),
    (e: Error) => parentPort!.postMessage({ id: m.id, error: e.message }),
  );
});
