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

/**
 * The KMS key a cached bucket key depends on, as the request or the stored object names it: a key
 * ARN, or a key id or alias name in `account` and `region`.
 */
export interface KeyStampRef {
  account: string;
  region: string;
  key: string;
}

/**
 * What a cached bucket key depends on, as an opaque string: the KMS key's state, policy and grants
 * (and an alias's target). undefined when it cannot be vouched for (the key is gone, too many grants).
 */
export type KeyStamp = (ref: KeyStampRef) => Promise<string | undefined>;

interface Entry<T> {
  value: T;
  expiresAt: number;
  ref: KeyStampRef;
  /** The key's stamp taken before KMS was asked (only with a `stamp` function). */
  stamp?: string;
  /** Set by suspect(): something changed somewhere; the stamp is compared before the next use. */
  suspect: boolean;
}

export interface BucketKeyCacheOptions {
  clock: Clock;
  ttlMs?: number;
  maxEntries?: number;
  /**
   * Without it suspect() drops everything. With it, after suspect() (a change whose cause is not
   * known, e.g. written by another cluster worker) an entry is used again only if its key's stamp
   * is unchanged — so a disabled key, a new policy or a revoked grant still ends it at once.
   */
  stamp?: KeyStamp;
}

/** Identity of a write-side entry: who asks, with which KMS key (as named in the request), for which bucket. */
export interface WriteSlot {
  principalArn: string;
  /** The key as named (ARN, id or alias) and everything else the bucket key depends on (region, context). */
  keyId: string;
  bucketArn: string;
  ref?: KeyStampRef;
}

/** Identity of a read-side entry: who asks, and the stored CiphertextBlob they need opened. */
export interface ReadSlot {
  principalArn: string;
  ciphertextBlob: Buffer;
  bucketArn: string;
  ref?: KeyStampRef;
}

const slotOfWrite = (s: WriteSlot) => `w\u0000${s.principalArn}\u0000${s.keyId}\u0000${s.bucketArn}`;
const slotOfRead = (s: ReadSlot) => `r\u0000${s.principalArn}\u0000${s.bucketArn}\u0000${s.ciphertextBlob.toString('base64')}`;
const NO_REF: KeyStampRef = { account: '', region: '', key: '' };

export class BucketKeyCache {
  readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly maxEntries: number;
  private readonly stamp?: KeyStamp;
  private readonly entries = new Map<string, Entry<BucketKey | OpenedBucketKey>>();
  /** Fetches in flight, so concurrent misses for one slot cost one KMS call. */
  private readonly pending = new Map<string, Promise<BucketKey | OpenedBucketKey>>();
  /** Bumped by every change signal: a fetch or check that overlapped one is used once but not kept. */
  private generation = 0;
  /** Bumped by clear() and dropKey() only (a known change to keys, grants or IAM): an overlapping fetch is never kept. */
  private clears = 0;

  constructor(opts: BucketKeyCacheOptions) {
    const ttl = opts.ttlMs ?? DEFAULT_BUCKET_KEY_TTL_MS;
    if (!(Number.isFinite(ttl) && ttl >= 0)) throw new Error(`bucket key TTL must be a non-negative number of milliseconds, got ${ttl}`);
    this.ttlMs = ttl;
    this.clock = opts.clock;
    this.maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.stamp = opts.stamp;
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
    const v = (await this.lookup(slotOfWrite(slot), slot.ref ?? NO_REF, generate)) as BucketKey;
    return { plaintext: Buffer.from(v.plaintext), ciphertextBlob: v.ciphertextBlob, keyArn: v.keyArn };
  }

  /** The plaintext of a stored bucket key for a read by this principal: cached, or from `decrypt` (Decrypt as the caller). */
  async forRead(slot: ReadSlot, decrypt: () => Promise<OpenedBucketKey>): Promise<OpenedBucketKey> {
    const v = (await this.lookup(slotOfRead(slot), slot.ref ?? NO_REF, decrypt)) as OpenedBucketKey;
    return { plaintext: Buffer.from(v.plaintext), keyArn: v.keyArn };
  }

  /** Drops every entry of one KMS key (by ARN), wiping the plaintext. */
  dropKey(keyArn: string): void {
    this.generation++;
    this.clears++;
    for (const [id, e] of this.entries) {
      if (e.value.keyArn === keyArn) this.evict(id);
    }
  }

  /**
   * Something changed but it is not known what (another process wrote to the store): with a
   * `stamp`, every entry is checked against its key's current stamp before its next use; without
   * one, everything is dropped.
   */
  suspect(): void {
    if (!this.stamp) return this.clear();
    this.generation++;
    this.pending.clear();
    for (const e of this.entries.values()) e.suspect = true;
  }

  /** Drops everything, wiping the plaintext: a known change to keys, grants or IAM calls this. */
  clear(): void {
    this.generation++;
    this.clears++;
    for (const id of [...this.entries.keys()]) this.evict(id);
    this.pending.clear();
  }

  private evict(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.value.plaintext.fill(0);
    this.entries.delete(id);
  }

  private async lookup(id: string, ref: KeyStampRef, fetch: () => Promise<BucketKey | OpenedBucketKey>): Promise<BucketKey | OpenedBucketKey> {
    const now = this.clock.now().getTime();
    const hit = this.entries.get(id);
    if (hit) {
      if (now < hit.expiresAt && !hit.suspect) return hit.value;
      if (now < hit.expiresAt && this.stamp && hit.stamp !== undefined) {
        const before = this.generation;
        const clearsBefore = this.clears;
        const current = await this.stamp(hit.ref);
        // Kept when nothing the key's use depends on changed. A newer change signal during the check
        // (on a shared PostgreSQL every S3 write is one) leaves it suspect: checked again on next use.
        if (current === hit.stamp && this.clears === clearsBefore && this.entries.get(id) === hit) {
          if (this.generation === before) hit.suspect = false;
          return hit.value;
        }
      }
      if (this.entries.get(id) === hit) this.evict(id);
    }
    const inFlight = this.pending.get(id);
    if (inFlight) return inFlight;
    const before = this.generation;
    const clearsBefore = this.clears;
    // One canonical copy per fetch; every caller (this one and concurrent waiters) gets its own copy of
    // it. The stamp is taken before KMS is asked, so a change committed after it shows as another stamp.
    let stamp: string | undefined;
    const p = (async () => {
      if (this.stamp) stamp = await this.stamp(ref);
      const v = await fetch();
      const own = { ...v, plaintext: Buffer.from(v.plaintext) };
      v.plaintext.fill(0);
      return own;
    })();
    this.pending.set(id, p);
    let value: BucketKey | OpenedBucketKey;
    try {
      value = await p;
    } finally {
      if (this.pending.get(id) === p) this.pending.delete(id);
    }
    const vouched = !this.stamp || stamp !== undefined;
    // A fetch that overlapped suspect() only is kept as suspect: its stamp, taken before KMS was
    // asked, is compared before the next use, so a change committed meanwhile still ends it.
    const overlapped = this.generation !== before;
    if (this.ttlMs > 0 && vouched && this.clears === clearsBefore && (!overlapped || stamp !== undefined)) {
      if (this.entries.size >= this.maxEntries) this.evictOldest(now);
      this.entries.set(id, { value, expiresAt: this.clock.now().getTime() + this.ttlMs, ref, stamp, suspect: overlapped });
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
