import type { Worker } from 'node:worker_threads';
import { startWorkerEntry } from '../../util/worker-entry.js';
import type { AuditItem, NewAuditEvent } from '../audit-ports.js';
import type { Store } from '../ports.js';
import type { DatabaseOptions } from './sqlite-store.js';

/** Appends waiting for the writer thread's report of their commit, by id. */
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
  /** The same for records and call facts, whose records the thread derives (event-builder.ts callEvents) before appending. */
  appendItems(items: AuditItem[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the writer thread, appending to the chains of `writer` ('' for a single process; one id
 * per `serve --workers` process). If it dies, its pending appends fail (their requests answer 500)
 * and the next append starts a new one. It keeps the process alive only while an append waits for it.
 */
export async function startAuditWriterThread(path: string, writer = '', options: DatabaseOptions = {}): Promise<AuditWriterThread> {
  let worker: Worker | undefined;
  const pending = new PendingAppends();
  const start = (): Worker => {
    const w = startWorkerEntry(import.meta.url, './audit-writer-worker', { workerData: { path, writer, options } });
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

  const send = (items: AuditItem[]) => {
    if (items.length === 0) return Promise.resolve();
    worker ??= start();
    if (pending.size === 0) worker.ref();
    const { id, committed } = pending.add();
    worker.postMessage({ id, items });
    return committed;
  };
  return {
    append: send,
    appendItems: send,
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
 * the main connection; WAL makes committed records visible to them at once. In a cluster
 * (`serve --workers`) every worker process has its own thread appending to its own chains
 * (`writer`) in the shared file: no record crosses processes, and the workers' threads take
 * turns only at SQLite's write lock, one short transaction per group commit each.
 */
export async function withAuditWriter(store: Store, path: string, writer = '', options: DatabaseOptions = {}): Promise<Store> {
  const thread = await startAuditWriterThread(path, writer, options);
  return {
    ...store,
    audit: { ...store.audit, append: (events) => thread.append(events), appendItems: (items) => thread.appendItems(items) },
    async close() {
      await thread.close();
      await store.close();
    },
  };
}
