import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

/** Injected randomness: everything that draws random bytes or ids takes a Random. */
export interface Random {
  bytes(n: number): Buffer;
  uuid(): string;
}

/** A Random that holds drawn-but-unused bytes; `close()` wipes them. */
export interface PooledRandom extends Random {
  close(): void;
}

/** CSPRNG bytes straight from node:crypto, no state kept (CLI commands, one-off tools). */
export const secureRandom: Random = {
  bytes: (n) => randomBytes(n),
  uuid: () => randomUUID(),
};

/** Requests up to this size are served from the pool; larger ones draw their own bytes. */
const POOLED_MAX = 256;
const POOL_BYTES = 4096;

/**
 * CSPRNG bytes for a server: one randomFillSync call fills a 4 KiB pool and small requests (IVs,
 * ids, data keys) are copied out of it, so the per-call cost of node:crypto is paid once per pool.
 * Every byte is handed out once, into a Buffer of its own, and wiped from the pool when handed
 * out. The pool belongs to the instance (the composition root makes one per server), never to
 * the module; `close()` wipes what is left.
 */
export function createPooledRandom(): PooledRandom {
  const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
  let offset = POOL_BYTES;
  return {
    bytes(n: number): Buffer {
      if (!(Number.isInteger(n) && n >= 0 && n <= POOLED_MAX)) return randomBytes(n);
      if (offset + n > POOL_BYTES) {
        randomFillSync(pool);
        offset = 0;
      }
      const out = Buffer.allocUnsafeSlow(n);
      pool.copy(out, 0, offset, offset + n);
      pool.fill(0, offset, offset + n);
      offset += n;
      return out;
    },
    uuid: () => randomUUID(),
    close() {
      pool.fill(0);
      offset = POOL_BYTES;
    },
  };
}
