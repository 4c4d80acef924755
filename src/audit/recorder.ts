import type { AuditItem, AuditStore, NewAuditCall, NewAuditEvent } from '../store/audit-ports.js';
import { callEvents, type EventDeps } from './event-builder.js';

interface Pending {
  items: AuditItem[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface RecorderOptions {
  /** Flush as soon as this many records are queued (default 256). */
  maxBatch?: number;
  /** Called after each successful group commit with its duration in seconds (metrics). */
  onCommit?: (seconds: number, records: number) => void;
  /**
   * What deriving a call's records from its facts reads, where the store does not derive them
   * itself (AuditStore.appendItems: the SQLite writer thread does, off the request path).
   */
  eventDeps?: EventDeps;
}

/**
 * Group commit for the audit trail. Callers queue their records and wait; the queue is written
 * in one transaction per batch — when it reaches `maxBatch` records, or once the event loop has
 * run what is ready (setImmediate), whichever comes first — so concurrent requests share one
 * durable (WAL, synchronous=FULL) commit. A request is answered only after its batch committed.
 * When a batch fails, its requests are retried one by one, so one bad record fails only its own.
 * An API call is queued as its facts (recordCall): its CloudTrail records are derived by the store's
 * writer where it can (appendItems), otherwise here, at commit time, off the request's own path.
 */
export class AuditRecorder {
  private queue: Pending[] = [];
  private queued = 0;
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly onCommit?: (seconds: number, records: number) => void;
  private readonly eventDeps?: EventDeps;

  constructor(
    private readonly store: AuditStore,
    opts: RecorderOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 256;
    this.onCommit = opts.onCommit;
    this.eventDeps = opts.eventDeps;
  }

  /** Records queued and not yet being written. */
  get depth(): number {
    return this.queued;
  }

  /** Resolves once the records are committed; rejects when they could not be. */
  record(events: NewAuditEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.enqueue(events);
  }

  /** Records an API call from its facts (call-facts.ts); resolves once its records are committed. */
  recordCall(call: NewAuditCall): Promise<void> {
    return this.enqueue([{ call }]);
  }

  private enqueue(items: AuditItem[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queued += items.length;
      if (this.queued >= this.maxBatch) this.flushSoon(true);
      else this.flushSoon(false);
    });
  }

  /** Writes everything queued so far and waits for it. */
  async flush(): Promise<void> {
    this.flushSoon(true);
    await this.flushing;
  }

  private flushSoon(now: boolean): void {
    if (now) {
      this.flushing = this.flushing.then(() => this.writeBatch());
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flushing.then(() => this.writeBatch());
    });
  }

  private async writeBatch(): Promise<void> {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.queued = 0;
    try {
      const items = batch.flatMap((p) => p.items);
      const started = performance.now();
      await this.append(items);
      this.onCommit?.((performance.now() - started) / 1000, items.length);
      for (const p of batch) p.resolve();
    } catch {
      for (const p of batch) {
        try {
          await this.append(p.items);
          p.resolve();
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }

  private async append(items: AuditItem[]): Promise<void> {
    if (this.store.appendItems && items.some((i) => 'call' in i)) return this.store.appendItems(items);
    const events: NewAuditEvent[] = [];
    for (const item of items) {
      if (!('call' in item)) events.push(item);
      else if (!this.eventDeps) throw new Error('audit recorder: no store to derive call records with');
      else events.push(...(await callEvents(item.call, this.eventDeps)));
    }
    await this.store.append(events);
  }
}
