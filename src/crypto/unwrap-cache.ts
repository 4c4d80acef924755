import { forgetPrivateKeyObjects } from './key-pairs.js';
import type { RootKeyring } from './root-keyring.js';

const MAX_ENTRIES = 10_000;

/**
 * A root keyring that keeps what it unwrapped (key material, access-key secrets) in memory so
 * the hot path does not pay an AES-GCM open per secret per request. Callers get a copy (they
 * wipe theirs after use), and parsed private keys stay parsed (key-pairs.ts). `forget()` wipes
 * and drops both; the server calls it on every
 * store write, so disabling, deleting, rotating or re-importing a key takes effect at once.
 */
export interface CachingKeyring extends RootKeyring {
  forget(): void;
}

export function withUnwrapCache(keyring: RootKeyring): CachingKeyring {
  const cache = new Map<string, Buffer>();
  // The same wrapped blob (one Buffer of a read-cached store row) comes back on every request:
  // found by identity first, without encoding it into a string id. Same plaintext Buffers as `cache`.
  // The entry keeps a copy of the blob's bytes: a Buffer changed in place is not taken for the one unwrapped.
  let byBlob = new WeakMap<Buffer, { aad: string; bytes: Buffer; plain: Buffer }>();
  const caching = Object.create(keyring) as CachingKeyring;
  caching.unwrap = (blob: Buffer, aad: string): Buffer => {
    const known = byBlob.get(blob);
    if (known !== undefined && known.aad === aad && known.bytes.equals(blob)) return Buffer.from(known.plain);
    const id = `${aad}\u0000${blob.toString('base64')}`;
    let plain = cache.get(id);
    if (!plain) {
      plain = keyring.unwrap(blob, aad);
      if (cache.size >= MAX_ENTRIES) caching.forget();
      cache.set(id, plain);
    }
    byBlob.set(blob, { aad, bytes: Buffer.from(blob), plain });
    return Buffer.from(plain);
  };
  caching.forget = () => {
    for (const plain of cache.values()) plain.fill(0);
    cache.clear();
    byBlob = new WeakMap();
    forgetPrivateKeyObjects();
  };
  return caching;
}
