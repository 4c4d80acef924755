import cluster from 'node:cluster';
import { Worker } from 'node:worker_threads';
import type { NewAuditEvent } from '../audit-ports.js';
import type { Store } from '../ports.js';

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
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
  let nextId = 0;
  const pending = new Map<number, Pending>();

  const failAll = (e: Error) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const start = (): Worker => {
    const w = fromSource ? sourceWorker(path) : new Worker(new URL('./audit-writer-worker.js', import.meta.url), { workerData: { path } });
    w.on('message', (m: { id: number; error?: string; ready?: true }) => {
      if (m.ready) return w.emit('ready');
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (pending.size === 0) w.unref();
      if (m.error === undefined) p?.resolve();
      else p?.reject(new Error(m.error));
    });
    w.on('error', (e) => failAll(e));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`audit writer exited (${code})`));
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
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        if (pending.size === 0) worker!.ref();
        pending.set(id, { resolve, reject });
        worker!.postMessage({ id, events });
      });
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
  let nextId = 0;
  const pending = new Map<number, Pending>();
  process.on('message', (m: AckMessage) => {
    if (m?.type !== ACK) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error === undefined) p?.resolve();
    else p?.reject(new Error(m.error));
  });
  process.on('disconnect', () => {
    for (const p of pending.values()) p.reject(new Error('audit writer unreachable (cluster primary gone)'));
    pending.clear();
  });
  const append = (events: NewAuditEvent[]) => {
    if (events.length === 0) return Promise.resolve();
    const id = nextId++;
    return new Promise<void>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      const message: AppendMessage = { type: APPEND, id, events };
      process.send!(message, undefined, undefined, (e: Error | null) => {
        if (e && pending.delete(id)) reject(e);
      });
    });
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
