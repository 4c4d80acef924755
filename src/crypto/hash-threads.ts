/**
 * Digests of large bodies on worker threads (hash-thread.ts is their code), in parallel with the
 * request thread that seals and writes the same bytes. MD5 — the ETag of an SSE-S3 object — cannot
 * be split (each block depends on the last) and at ~0.7 GB/s per core it is the slowest step of a
 * PUT: on a thread of its own it runs alongside the rest instead of adding to it. The other digests
 * (SHA-256 for a signed payload hash, the x-amz-checksum-* algorithm: CRC-32C runs at MD5's speed)
 * go to a second thread when there is one.
 *
 * Bodies are exchanged in 1 MiB blocks of shared memory (SharedBlock), pooled: a block is sent to a
 * thread once and named by its id afterwards. Only plaintext crosses to a thread, never a key. The
 * threads belong to one HashThreads (the S3 service's: made in the composition root, terminated by
 * the server's close), start on first use, and do not keep the process alive.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorkerEntry } from '../util/worker-entry.js';
import type { HashAlgorithm } from './checksums.js';

export type { HashAlgorithm };
export const BLOCK_BYTES = 1024 * 1024;

export interface SharedBlock {
  readonly id: number;
  readonly sab: SharedArrayBuffer;
  /** The whole block. */
  readonly bytes: Buffer;
}

/** Messages to a thread. */
export type ThreadRequest =
  | { t: 'begin'; id: number; hash: HashAlgorithm[] }
  | { t: 'block'; id: number; seq: number; block: number; sab?: SharedArrayBuffer; length: number }
  | { t: 'end'; id: number }
  | { t: 'abort'; id: number }
  | { t: 'forget'; block: number };
/** Replies: to a block, to an end (the digests), or a failure. */
export type ThreadReply = { id: number; seq: number; digests?: Uint8Array[]; failed?: true };

/** One body's digests in progress. */
export interface HashSession {
  /** Hashes bytes [0, length) of `block` next; resolves once the threads are done reading it. */
  update(block: SharedBlock, length: number): Promise<void>;
  /** The digests, in the order asked. */
  digest(): Promise<Buffer[]>;
  /** Drops the session (a failed body); updates already sent still resolve. */
  abort(): void;
}

/**
 * Copies `source` into shared memory at `at`. Buffer#fill with a buffer is one native memcpy; copy()
 * and set() into shared memory go through V8's per-word relaxed copy, several times slower (perf).
 */
export function copyToShared(target: Buffer, at: number, source: Uint8Array): void {
  if (source.length > 0) target.fill(source, at, at + source.length);
}

/** hash-thread.js next to this file (hash-thread.ts when run from source under tsx). */
function startWorker(): Worker {
  // The thread holds only hash states and message envelopes: a small heap.
  return startWorkerEntry(import.meta.url, './hash-thread', { resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
}

class HashThread {
  readonly worker = startWorker();
  /** Sessions using the thread now (the least busy gets the next). */
  active = 0;
  /** Blocks the thread has been sent. */
  readonly known = new Set<number>();
  failed?: Error;
  private readonly waiting = new Map<string, { resolve(r: ThreadReply): void; reject(e: Error): void }>();

  constructor(onGone: () => void) {
    this.worker.unref();
    this.worker.on('message', (r: ThreadReply) => {
      const key = `${r.id}:${r.seq}`;
      const w = this.waiting.get(key);
      this.waiting.delete(key);
      if (r.failed) w?.reject(new Error('hash thread failed'));
      else w?.resolve(r);
    });
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
      onGone();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`hash thread exited (${code})`)));
  }

  ask(m: ThreadRequest & { id: number }, seq: number): Promise<ThreadReply> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.set(`${m.id}:${seq}`, { resolve, reject });
      this.worker.postMessage(m);
    });
  }

  tell(m: ThreadRequest): void {
    if (!this.failed) this.worker.postMessage(m);
  }
}

export class HashThreads {
  private readonly threads: Array<HashThread | undefined>;
  private readonly free: SharedBlock[] = [];
  private nextBlock = 1;
  private nextSession = 1;
  private closed = false;

  /**
   * `threads`: at most this many (default 2, or 1 on a single CPU), started as needed; `pooledBlocks`:
   * free blocks kept for reuse (fresh shared memory costs page faults, and a thread has to be sent it).
   */
  constructor(private readonly opts: { threads?: number; pooledBlocks?: number } = {}) {
    this.threads = new Array<HashThread | undefined>(Math.max(1, opts.threads ?? Math.min(2, availableParallelism()))).fill(undefined);
  }

  acquire(): SharedBlock {
    const pooled = this.free.pop();
    if (pooled) return pooled;
    const sab = new SharedArrayBuffer(BLOCK_BYTES);
    return { id: this.nextBlock++, sab, bytes: Buffer.from(sab) };
  }

  /**
   * Returns a block the threads are done reading to the pool (or lets it go, telling the threads to),
   * zeroed first: the object plaintext it carried does not linger in memory.
   */
  release(block: SharedBlock): void {
    block.bytes.fill(0);
    if (!this.closed && this.free.length < (this.opts.pooledBlocks ?? 16)) return void this.free.push(block);
    for (const t of this.threads) if (t?.known.delete(block.id)) t.tell({ t: 'forget', block: block.id });
  }

  /** A body digested with `hash`: the first algorithm on the least busy thread, any others on another. */
  session(hash: HashAlgorithm[]): HashSession {
    if (this.closed) throw new Error('hash threads closed');
    const id = this.nextSession++;
    const first = this.pick();
    const picked = [first];
    if (hash.length > 1) picked.push(this.pick(first));
    const second = picked.at(-1)!;
    const parts = second === first ? [{ thread: first, hash }] : [{ thread: first, hash: hash.slice(0, 1) }, { thread: second, hash: hash.slice(1) }];
    for (const p of parts) p.thread.tell({ t: 'begin', id, hash: p.hash });
    let seq = 0;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      for (const t of picked) t.active--;
    };
    return {
      update: async (block, length) => {
        const s = seq++;
        // Settles once every thread is done with the block (it may then be reused), failed or not.
        const replies = await Promise.allSettled(parts.map((p) => {
          const sab = p.thread.known.has(block.id) ? undefined : block.sab;
          p.thread.known.add(block.id);
          return p.thread.ask({ t: 'block', id, seq: s, block: block.id, length, ...(sab ? { sab } : {}) }, s);
        }));
        const failed = replies.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      },
      async digest() {
        try {
          const replies = await Promise.all(parts.map((p) => p.thread.ask({ t: 'end', id }, -1)));
          const digests = replies.flatMap((r) => r.digests ?? []).map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength));
          if (digests.length !== hash.length) throw new Error('hash thread lost the body');
          return digests;
        } finally {
          end();
        }
      },
      abort() {
        for (const p of parts) p.thread.tell({ t: 'abort', id });
        end();
      },
    };
  }

  /** An idle running thread (not `other`), else a new one while there is room, else the least busy; busy from now. */
  private pick(other?: HashThread): HashThread {
    const running = this.threads.filter((t): t is HashThread => t !== undefined && t.failed === undefined);
    let chosen = running.find((t) => t.active === 0 && t !== other);
    const slot = this.threads.findIndex((t) => t === undefined || t.failed !== undefined);
    if (!chosen && slot >= 0) chosen = this.start(slot);
    chosen ??= running.reduce((a, b) => (b.active < a.active ? b : a));
    chosen.active++;
    return chosen;
  }

  /**
   * Starts a first thread if none runs, without waiting for it: a thread takes tens of milliseconds
   * to start, which the first large body would otherwise wait for (sealed-write.ts calls this for every body).
   */
  warm(): void {
    if (this.closed || this.threads.some((t) => t !== undefined && t.failed === undefined)) return;
    this.start(this.threads.findIndex((t) => t === undefined || t.failed !== undefined));
  }

  private start(slot: number): HashThread {
    const t: HashThread = new HashThread(() => {
      if (this.threads[slot] === t) this.threads[slot] = undefined;
    });
    this.threads[slot] = t;
    return t;
  }

  /** Terminates the threads; bodies in progress fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.free.length = 0;
    const running = this.threads.filter((t): t is HashThread => t !== undefined);
    this.threads.fill(undefined);
    await Promise.all(running.map((t) => t.worker.terminate()));
  }
}
