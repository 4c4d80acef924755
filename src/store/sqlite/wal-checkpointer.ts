import type { Worker } from 'node:worker_threads';
import { startWorkerEntry } from '../../util/worker-entry.js';

/**
 * SQLite checkpoints its WAL inside a commit: the connection whose commit takes the WAL past
 * `wal_autocheckpoint` pages copies them all into the database file and fsyncs it before that
 * commit returns — milliseconds to tens of milliseconds in which an audit group commit (every
 * waiting request) or, on the main connection, the event loop itself stands still. The server's
 * connections leave that to this thread instead (openDatabase `backgroundCheckpoints`), which
 * checkpoints every `intervalMs` alongside the commits; SQLite's own checkpoint stays as a safety
 * net at BACKGROUND_SAFETY_PAGES should this thread fall behind or be gone.
 */
export interface WalCheckpointer {
  /** Frames copied into the database file since start (for tests and the log). */
  readonly checkpointedFrames: number;
  close(): Promise<void>;
}

/** How often the WAL is checkpointed by default: a few MB of WAL at full audit load. */
export const CHECKPOINT_INTERVAL_MS = 100;

export interface WalCheckpointerOptions {
  intervalMs?: number;
  log?: (line: string) => void;
  /** How long after the thread dies a new one is started (default 1 s; meanwhile the safety net holds the WAL). */
  restartDelayMs?: number;
  /** Called with each thread started, the first and every restart. */
  onThread?: (thread: Worker) => void;
}

/** Starts the thread; if it dies it is started again after `restartDelayMs`. */
export async function startWalCheckpointer(path: string, { intervalMs = CHECKPOINT_INTERVAL_MS, log = () => {}, restartDelayMs = 1000, onThread }: WalCheckpointerOptions = {}): Promise<WalCheckpointer> {
  let frames = 0;
  let closing = false;
  let worker: Worker;
  let running = false;
  const start = (): Promise<void> => {
    running = true;
    const w = (worker = startWorkerEntry(import.meta.url, './wal-checkpointer-worker', { workerData: { path, intervalMs } }));
    w.unref();
    onThread?.(w);
    w.on('message', (m: { ready?: true; checkpointed?: number }) => {
      if (m.checkpointed) frames += m.checkpointed;
    });
    w.on('error', (e) => log(`WAL checkpointer failed: ${e.message}`));
    w.on('exit', (code) => {
      if (worker !== w) return;
      running = false;
      if (closing) return;
      log(`WAL checkpointer thread exited (code ${code}); starting another in ${restartDelayMs} ms`);
      setTimeout(() => closing || start().catch(() => {}), restartDelayMs).unref();
    });
    return new Promise((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('exit', (code) => reject(new Error(`WAL checkpointer failed to start (${code})`)));
    });
  };
  await start().catch((e: unknown) => {
    closing = true;
    throw e;
  });
  return {
    get checkpointedFrames() {
      return frames;
    },
    async close() {
      closing = true;
      if (!running) return;
      const w = worker;
      const exited = new Promise((resolve) => w.once('exit', resolve));
      w.ref();
      w.postMessage('close');
      await exited;
    },
  };
}
