/**
 * Canonical encoding of an encryption context, bound as AES-GCM AAD.
 * Layout: u32 pair count, then for each pair in ascending order of the key's UTF-8 bytes:
 * u32 key length, key bytes, u32 value length, value bytes (all integers big-endian).
 * Length prefixes make it unambiguous: {"ab":"c"} and {"a":"bc"} encode differently.
 * An absent and an empty context both encode as a zero count, as AWS treats them alike.
 */
import { ValidationException } from '../protocols/errors.js';

export type EncryptionContext = Record<string, string>;

export function encodeEncryptionContext(context: EncryptionContext | undefined): Buffer {
  // A lone surrogate would encode as U+FFFD and collide with a real U+FFFD: refuse it.
  for (const [k, v] of Object.entries(context ?? {})) {
    if (!k.isWellFormed() || !v.isWellFormed()) throw ValidationException('Encryption context keys and values must be well-formed Unicode.');
  }
  const pairs = Object.entries(context ?? {}).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [u32(pairs.length)];
  for (const [k, v] of pairs) parts.push(u32(k.length), k, u32(v.length), v);
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
