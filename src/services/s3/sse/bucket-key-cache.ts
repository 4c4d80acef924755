/**
 * S3 Bucket Keys (S3 User Guide, "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys"): S3
 * asks KMS for a bucket-level key, keeps it for a limited time per requester (IAM principal) and
 * derives each object's data key from it without calling KMS. This is that cache: an instance
 * owned by the composition root, never a module global. Plaintext is wiped when an entry expires,
 * is evicted or is dropped; `clear()` is called whenever KMS keys, grants or IAM change (the
 * store's change signal, src/store/read-cache.ts), so a disabled key, a key scheduled for
 * deletion or a changed policy or grant stops the cached bucket key at once.
 */
import type { Clock } from '../../../util/clock.js';

/**
 * How long a bucket key is reused. Unverified: AWS says only "time-limited" and does not publish
 * the period; Huawei OBS, which implements the same scheme, documents about 3 minutes.
 */
export const DEFAULT_BUCKET_KEY_TTL_MS = 3 * 60_000;
const DEFAULT_MAX_ENTRIES = 10_000;

/** A bucket key for writing: the plaintext (a copy for the caller) and KMS's ciphertext blob of it. */
export interface BucketKey {
  plaintext: Buffer;
  /** The GenerateDataKey CiphertextBlob, stored with every object encrypted under this bucket key. */
  ciphertextBlob: Buffer;
  /** The KMS key's ARN. */
  keyArn: string;
}

/** A bucket key unwrapped for reading (Decrypt of a stored CiphertextBlob). */
export interface OpenedBucketKey {
  plaintext: Buffer;
  keyArn: string;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

export interface BucketKeyCacheOptions {
  clock: Clock;
  ttlMs?: number;
  maxEntries?: number;
}

/** Identity of a write-side entry: who asks, with which KMS key (as named in the request), for which bucket. */
export interface WriteSlot {
  principalArn: string;
  keyId: string;
  bucketArn: string;
}

/** Identity of a read-side entry: who asks, and the stored CiphertextBlob they need opened. */
export interface ReadSlot {
  principalArn: string;
  ciphertextBlob: Buffer;
  bucketArn: string;
}

const slotOfWrite = (s: WriteSlot) => `w\u0000${s.principalArn}\u0000${s.keyId}\u0000${s.bucketArn}`;
const slotOfRead = (s: ReadSlot) => `r\u0000${s.principalArn}\u0000${s.bucketArn}\u0000${s.ciphertextBlob.toString('base64')}`;

export class BucketKeyCache {
  readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, Entry<BucketKey | OpenedBucketKey>>();
  /** Fetches in flight, so concurrent misses for one slot cost one KMS call. */
  private readonly pending = new Map<string, Promise<BucketKey | OpenedBucketKey>>();
  /** Bumped by clear(): a fetch that overlapped a clear is used once but not kept. */
  private generation = 0;

  constructor(opts: BucketKeyCacheOptions) {
    const ttl = opts.ttlMs ?? DEFAULT_BUCKET_KEY_TTL_MS;
    if (!(Number.isFinite(ttl) && ttl >= 0)) throw new Error(`bucket key TTL must be a non-negative number of milliseconds, got ${ttl}`);
    this.ttlMs = ttl;
    this.clock = opts.clock;
    this.maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The bucket key for a write by this principal with this KMS key to this bucket: cached, or
   * from `generate` (GenerateDataKey as the caller, context {"aws:s3:arn": bucket ARN}).
   * The returned plaintext is a copy the caller wipes.
   */
  async forWrite(slot: WriteSlot, generate: () => Promise<BucketKey>): Promise<BucketKey> {
    const v = (await this.lookup(slotOfWrite(slot), generate)) as BucketKey;
    return { plaintext: Buffer.from(v.plaintext), ciphertextBlob: v.ciphertextBlob, keyArn: v.keyArn };
  }

  /** The plaintext of a stored bucket key for a read by this principal: cached, or from `decrypt` (Decrypt as the caller). */
  async forRead(slot: ReadSlot, decrypt: () => Promise<OpenedBucketKey>): Promise<OpenedBucketKey> {
    const v = (await this.lookup(slotOfRead(slot), decrypt)) as OpenedBucketKey;
    return { plaintext: Buffer.from(v.plaintext), keyArn: v.keyArn };
  }

  /** Drops every entry of one KMS key (by ARN), wiping the plaintext. */
  dropKey(keyArn: string): void {
    this.generation++;
    for (const [id, e] of this.entries) {
      if (e.value.keyArn === keyArn) this.evict(id);
    }
  }

  /** Drops everything, wiping the plaintext: the store's change signal calls this. */
  clear(): void {
    this.generation++;
    for (const id of [...this.entries.keys()]) this.evict(id);
    this.pending.clear();
  }

  private evict(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.value.plaintext.fill(0);
    this.entries.delete(id);
  }

  private async lookup(id: string, fetch: () => Promise<BucketKey | OpenedBucketKey>): Promise<BucketKey | OpenedBucketKey> {
    const now = this.clock.now().getTime();
    const hit = this.entries.get(id);
    if (hit) {
      if (now < hit.expiresAt) return hit.value;
      this.evict(id);
    }
    const inFlight = this.pending.get(id);
    if (inFlight) return inFlight;
    const before = this.generation;
    // One canonical copy per fetch; every caller (this one and concurrent waiters) gets its own copy of it.
    const p = fetch().then((v) => {
      const own = { ...v, plaintext: Buffer.from(v.plaintext) };
      v.plaintext.fill(0);
      return own;
    });
    this.pending.set(id, p);
    let value: BucketKey | OpenedBucketKey;
    try {
      value = await p;
    } finally {
      if (this.pending.get(id) === p) this.pending.delete(id);
    }
    if (this.generation === before && this.ttlMs > 0) {
      if (this.entries.size >= this.maxEntries) this.evictOldest(now);
      this.entries.set(id, { value, expiresAt: this.clock.now().getTime() + this.ttlMs });
    }
    return value;
  }

  /** Expired entries first; when none, the oldest (Map order is insertion order). */
  private evictOldest(now: number): void {
    for (const [id, e] of this.entries) if (e.expiresAt <= now) this.evict(id);
    while (this.entries.size >= this.maxEntries) {
      const first = this.entries.keys().next();
      if (first.done) break;
      this.evict(first.value);
    }
  }
}
