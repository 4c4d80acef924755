import { hash } from 'node:crypto';

/**
 * The audit hash chain. Each (account, region) has its own chain; record n stores
 *   hash_n = SHA-256(hash_{n-1} || record_n)
 * over the lowercase hex of the previous hash and the record's canonical JSON text (UTF-8), with
 * 64 zeros before the first record. Changing, removing, inserting or reordering a record breaks
 * the links after it; signed digests (digests.ts) pin the chain's head so it cannot be rewritten.
 */
export const GENESIS_HASH = '0'.repeat(64);

export function linkHash(prevHash: string, record: string): string {
  // One-shot over the concatenation: the same bytes, as prevHash is ASCII hex (no surrogate can pair up).
  return hash('sha256', prevHash + record, 'hex');
}
