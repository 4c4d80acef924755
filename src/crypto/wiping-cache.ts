/**
 * Secrets by id (unwrapped key material, derived signing keys), bounded: past `maxEntries` the
 * oldest entry is dropped first. Every Buffer the cache drops — evicted or cleared — is
 * overwritten with zeros, so a holder must use what `get` returns at once or copy it.
 */
export class WipingCache {
  private readonly entries = new Map<string, Buffer>();
  private readonly maxEntries: number;

  constructor(maxEntries: number) {
    this.maxEntries = Math.max(1, maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string): Buffer | undefined {
    return this.entries.get(id);
  }

  /** Moves a held entry to the newest end (least recently used order). */
  promote(id: string, value: Buffer): void {
    this.entries.delete(id);
    this.entries.set(id, value);
  }

  /** Adds an entry not held yet, wiping and dropping the oldest beyond the bound. */
  add(id: string, value: Buffer): void {
    this.entries.set(id, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value!;
      this.entries.get(oldest)!.fill(0);
      this.entries.delete(oldest);
    }
  }

  /** Wipes and drops every entry. */
  clear(): void {
    for (const value of this.entries.values()) value.fill(0);
    this.entries.clear();
  }
}
