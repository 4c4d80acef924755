import cluster from 'node:cluster';
import { Worker } from 'node:worker_threads';
import type { NewAuditEvent } from '../audit-ports.js';
import type { Store } from '../ports.js';

/** Appends waiting for the report of their commit, by id (the thread's and the primary's alike). */
class PendingAppends {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  get size(): number {
    return this.waiting.size;
  }

  /** A new id, and the promise its report settles. */
  add(): { id: number; committed: Promise<void> } {
    const id = this.nextId++;
    const committed = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    return { id, committed };
  }

  /** The report for `id`: committed, or the error that prevented it. */
  settle(id: number, error?: string | Error): void {
    const p = this.waiting.get(id);
    this.waiting.delete(id);
    if (error === undefined) p?.resolve();
    else p?.reject(typeof error === 'string' ? new Error(error) : error);
  }

  failAll(e: Error): void {
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }
}

/** A thread that commits audit appends with its own SQLite connection (audit-writer-worker.ts). */
export interface AuditWriterThread {
  /** Settles once the records are committed (WAL, synchronous=FULL), or could not be. */
  append(events: NewAuditEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the writer thread. If it dies, its pending appends fail (their requests answer 500) and
 * the next append starts a new one. It keeps the process alive only while an append waits for it.
 */
export async function startAuditWriterThread(path: string): Promise<AuditWriterThread> {
  const fromSource = import.meta.url.endsWith('.ts');
  let worker: Worker | undefined;
  const pending = new PendingAppends();
  const start = (): Worker => {
    const w = fromSource ? sourceWorker(path) : new Worker(new URL('./audit-writer-worker.js', import.meta.url), { workerData: { path } });
    w.on('message', (m: { id: number; error?: string; ready?: true }) => {
      if (m.ready) return w.emit('ready');
      pending.settle(m.id, m.error);
      if (pending.size === 0) w.unref();
    });
    w.on('error', (e) => pending.failAll(e));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      pending.failAll(new Error(`audit writer exited (${code})`));
    });
    w.unref();
    return w;
  };

  // Started now, so the first request does not wait for the thread to load; failures show here.
  const first = (worker = start());
  first.ref();
  await new Promise<void>((resolve, reject) => {
    first.once('ready', resolve);
    first.once('exit', (code) => reject(new Error(`audit writer failed to start (${code})`)));
  });
  first.unref();

  return {
    append(events) {
      if (events.length === 0) return Promise.resolve();
      worker ??= start();
      if (pending.size === 0) worker.ref();
      const { id, committed } = pending.add();
      worker.postMessage({ id, events });
      return committed;
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (!w) return;
      const exited = new Promise((resolve) => w.once('exit', resolve));
      w.ref();
      w.postMessage('close');
      await exited;
    },
  };
}

/**
 * A store whose audit appends run on a writer thread, so the commit's fsync does not stall the
 * event loop; the caller's promise settles after the commit, so audit-first holds. Reads stay on
 * the main connection; WAL makes committed records visible to them at once.
 */
export async function withAuditWriter(store: Store, path: string): Promise<Store> {
  const thread = await startAuditWriterThread(path);
  return {
    ...store,
    audit: { ...store.audit, append: (events) => thread.append(events) },
    async close() {
      await thread.close();
      await store.close();
    },
  };
}

const APPEND = 'locksmith:audit-append';
const ACK = 'locksmith:audit-ack';
type AppendMessage = { type: typeof APPEND; id: number; events: NewAuditEvent[] };
type AckMessage = { type: typeof ACK; id: number; error?: string };

/**
 * In a cluster worker (`serve --workers`): audit appends go to the primary's one writer thread
 * (serveClusterAuditWrites), so the workers' records share group commits instead of taking turns
 * at SQLite's write lock. Settles when the primary reports the commit. Messages use the cluster's
 * 'advanced' serialization (dates stay dates).
 */
export function withClusterAuditWriter(store: Store): Store {
  const pending = new PendingAppends();
  process.on('message', (m: AckMessage) => {
    if (m?.type === ACK) pending.settle(m.id, m.error);
  });
  process.on('disconnect', () => pending.failAll(new Error('audit writer unreachable (cluster primary gone)')));
  const append = (events: NewAuditEvent[]) => {
    if (events.length === 0) return Promise.resolve();
    const { id, committed } = pending.add();
    const message: AppendMessage = { type: APPEND, id, events };
    process.send!(message, undefined, undefined, (e: Error | null) => {
      if (e) pending.settle(id, e);
    });
    return committed;
  };
  return { ...store, audit: { ...store.audit, append } };
}

/**
 * In the cluster primary: one writer thread for every worker's audit appends, started at the first
 * append (by then the first worker has created and migrated the database). Returns its close.
 */
export function serveClusterAuditWrites(path: string): () => Promise<void> {
  let thread: Promise<AuditWriterThread> | undefined;
  // A thread that failed to start is tried again by the next append.
  const started = () =>
    (thread ??= startAuditWriterThread(path).catch((e: Error) => {
      thread = undefined;
      throw e;
    }));
  cluster.on('message', (worker, m: AppendMessage) => {
    if (m?.type !== APPEND) return;
    const reply = (error?: string) => {
      const ack: AckMessage = error === undefined ? { type: ACK, id: m.id } : { type: ACK, id: m.id, error };
      if (worker.isConnected()) worker.send(ack);
    };
    started()
      .then((t) => t.append(m.events))
      .then(
        () => reply(),
        (e: Error) => reply(e.message),
      );
  });
  return async () => {
    if (thread) await (await thread.catch(() => undefined))?.close();
  };
}

/**
 * Run from the TypeScript source (tests, bench, `node --import tsx`): tsx's loader hooks do not
 * reach worker threads, so the worker registers them itself before importing its .ts entry.
 */
function sourceWorker(path: string): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./audit-writer-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })
    .catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(code, { eval: true, workerData: { path } });
}
