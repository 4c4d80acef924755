import type { AuditStore, NewAuditEvent } from '../store/audit-ports.js';

interface Pending {
  events: NewAuditEvent[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface RecorderOptions {
  /** Flush as soon as this many records are queued (default 256). */
  maxBatch?: number;
  /** Called after each successful group commit with its duration in seconds (metrics). */
  onCommit?: (seconds: number, records: number) => void;
}

/**
 * Group commit for the audit trail. Callers queue their records and wait; the queue is written
 * in one transaction per batch — when it reaches `maxBatch` records, or once the event loop has
 * run what is ready (setImmediate), whichever comes first — so concurrent requests share one
 * durable (WAL, synchronous=FULL) commit. A request is answered only after its batch committed.
 * When a batch fails, its requests are retried one by one, so one bad record fails only its own.
 */
export class AuditRecorder {
  private queue: Pending[] = [];
  private queued = 0;
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly onCommit?: (seconds: number, records: number) => void;

  constructor(
    private readonly store: AuditStore,
    opts: RecorderOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 256;
    this.onCommit = opts.onCommit;
  }

  /** Records queued and not yet being written. */
  get depth(): number {
    return this.queued;
  }

  /** Resolves once the records are committed; rejects when they could not be. */
  record(events: NewAuditEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.queued += events.length;
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
      const events = batch.flatMap((p) => p.events);
      const started = performance.now();
      await this.store.append(events);
      this.onCommit?.((performance.now() - started) / 1000, events.length);
      for (const p of batch) p.resolve();
    } catch {
      for (const p of batch) {
        try {
          await this.store.append(p.events);
          p.resolve();
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }
}
