import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

/** Injected randomness: everything that draws random bytes or ids takes a Random. */
export interface Random {
  bytes(n: number): Buffer;
  uuid(): string;
}

/** Requests up to this size are served from the pool; larger ones draw their own bytes. */
const POOLED_MAX = 256;
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let poolOffset = POOL_BYTES;

/**
 * CSPRNG bytes. One randomFillSync call fills a 4 KiB pool and small requests (IVs, ids, data keys)
 * are copied out of it, so the per-call cost of node:crypto is paid once per pool. Every byte is
 * handed out once, into a Buffer of its own, and wiped from the pool when handed out.
 */
function pooledBytes(n: number): Buffer {
  if (!(Number.isInteger(n) && n >= 0 && n <= POOLED_MAX)) return randomBytes(n);
  if (poolOffset + n > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.allocUnsafeSlow(n);
  pool.copy(out, 0, poolOffset, poolOffset + n);
  pool.fill(0, poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

export const secureRandom: Random = {
  bytes: pooledBytes,
  uuid: () => randomUUID(),
};
