import { Worker } from 'node:worker_threads';
import type { NewAuditEvent } from '../audit-ports.js';
import type { Store } from '../ports.js';

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * A store whose audit appends run on a worker thread with its own SQLite connection. The
 * caller's promise settles after the worker's transaction committed (WAL, synchronous=FULL),
 * so audit-first holds; meanwhile the event loop serves other requests instead of waiting for
 * the fsync. If the worker dies, its pending appends fail (their requests answer 500) and the
 * next append starts a new worker. Reads stay on the main connection; WAL makes committed
 * records visible to them at once.
 */
export async function withAuditWriter(store: Store, path: string): Promise<Store> {
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

  const append = (events: NewAuditEvent[]): Promise<void> => {
    if (events.length === 0) return Promise.resolve();
    worker ??= start();
    const id = nextId++;
    return new Promise<void>((resolve, reject) => {
      // The worker keeps the process alive only while an append waits for it.
      if (pending.size === 0) worker!.ref();
      pending.set(id, { resolve, reject });
      worker!.postMessage({ id, events });
    });
  };

  // Started now, so the first request does not wait for the worker to load; failures show here.
  const first = (worker = start());
  first.ref();
  await new Promise<void>((resolve, reject) => {
    first.once('ready', resolve);
    first.once('exit', (code) => reject(new Error(`audit writer failed to start (${code})`)));
  });
  if (pending.size === 0) first.unref();

  return {
    ...store,
    audit: { ...store.audit, append },
    async close() {
      const w = worker;
      worker = undefined;
      if (w) {
        const exited = new Promise((resolve) => w.once('exit', resolve));
        w.ref();
        w.postMessage('close');
        await exited;
      }
      await store.close();
    },
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
