import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DigestName } from '../domain/key-specs.js';

/** HMAC (RFC 2104, FIPS 198-1) over node:crypto. */
export function computeHmac(hash: DigestName, key: Buffer, message: Buffer): Buffer {
  return createHmac(hash, key).update(message).digest();
}

/** Constant-time comparison against the expected tag; a tag of another length is invalid. */
export function hmacMatches(hash: DigestName, key: Buffer, message: Buffer, tag: Buffer): boolean {
  const expected = computeHmac(hash, key, message);
  return expected.length === tag.length && timingSafeEqual(expected, tag);
}
