import type { KeyObject } from 'node:crypto';
import { PrivateKeyCache } from './key-pairs.js';
import type { RootKeyring } from './root-keyring.js';
import { WipingCache } from './wiping-cache.js';

const MAX_ENTRIES = 10_000;

/**
 * A root keyring that keeps what it unwrapped (key material, access-key secrets) in memory so
 * the hot path does not pay an AES-GCM open per secret per request, and keeps parsed private keys
 * parsed. Callers get a copy (they wipe theirs after use). Both caches belong to this instance
 * (one per server, made by the composition root). The cache is bounded: the oldest entry is
 * evicted first and its plaintext wiped. `forget()` wipes and drops everything; the server calls
 * it on every store write, so disabling, deleting, rotating or re-importing a key takes effect at
 * once, and when it closes.
 */
export interface CachingKeyring extends RootKeyring {
  forget(): void;
  /** Entries held: unwrapped secrets and parsed private keys (tests, metrics). */
  cacheSizes(): { unwrapped: number; privateKeys: number };
}

export function withUnwrapCache(keyring: RootKeyring, maxEntries = MAX_ENTRIES): CachingKeyring {
  const cache = new WipingCache(maxEntries);
  // The same wrapped blob (one Buffer of a read-cached store row) comes back on every request:
  // found by identity first, without encoding it into a string id again. Its plaintext is looked up
  // in `cache` by the id kept here, so an evicted (wiped) entry is never handed out.
  // The entry keeps a copy of the blob's bytes: a Buffer changed in place is not taken for the one unwrapped.
  let byBlob = new WeakMap<Buffer, { aad: string; bytes: Buffer; id: string }>();
  const parsed = new PrivateKeyCache();
  const caching = Object.create(keyring) as CachingKeyring;
  caching.unwrap = (blob: Buffer, aad: string): Buffer => {
    const entry = byBlob.get(blob);
    const known = entry !== undefined && entry.aad === aad && entry.bytes.equals(blob) ? entry : undefined;
    const id = known?.id ?? `${aad}\u0000${blob.toString('base64')}`;
    let plain = cache.get(id);
    if (!plain) {
      plain = keyring.unwrap(blob, aad);
      cache.add(id, plain);
    }
    if (!known) byBlob.set(blob, { aad, bytes: Buffer.from(blob), id });
    return Buffer.from(plain);
  };
  caching.privateKey = (pkcs8: Buffer): KeyObject => parsed.privateKey(pkcs8);
  caching.forget = () => {
    cache.clear();
    byBlob = new WeakMap();
    parsed.clear();
  };
  caching.cacheSizes = () => ({ unwrapped: cache.size, privateKeys: parsed.size });
  return caching;
}
