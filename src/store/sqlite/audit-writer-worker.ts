/**
 * Worker thread that appends audit records (src/store/sqlite/audit-writer.ts): its own
 * connection to the store's file, the same append (hash chain, lookup index) in one
 * transaction per batch, so the commit's fsync never blocks the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { NewAuditEvent } from '../audit-ports.js';
import { sqliteAuditStore } from './sqlite-audit.js';
import { openDatabase } from './sqlite-store.js';

const db = openDatabase((workerData as { path: string }).path);
const audit = sqliteAuditStore(db);
parentPort!.postMessage({ ready: true });

parentPort!.on('message', (m: { id: number; events: NewAuditEvent[] } | 'close') => {
  if (m === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  audit.append(m.events).then(
    () => parentPort!.postMessage({ id: m.id }),
    (e: Error) => parentPort!.postMessage({ id: m.id, error: e.message }),
  );
});
