/**
 * Worker thread that checkpoints the store's WAL (wal-checkpointer.ts): its own connection, a
 * PASSIVE checkpoint every `intervalMs` — it copies committed pages into the database file and
 * fsyncs it without taking the write lock and without waiting for readers or writers, so commits
 * go on meanwhile. Reports each checkpoint's frames to the parent ({ log, checkpointed }).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './sqlite-store.js';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = openDatabase(path);
db.pragma('busy_timeout = 0');

function checkpoint(): void {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    if (r && r.checkpointed > 0) parentPort!.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    // Another connection is checkpointing (one at a time): the next interval tries again.
    if ((e as { code?: string }).code !== 'SQLITE_BUSY' && (e as { code?: string }).code !== 'SQLITE_LOCKED') throw e;
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort!.on('message', (m: 'close') => {
  if (m !== 'close') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort!.close();
});
parentPort!.postMessage({ ready: true });
