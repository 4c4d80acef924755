/**
 * Canonical encoding of an encryption context, bound as AES-GCM AAD.
 * Layout: u32 pair count, then for each pair in ascending order of the key's UTF-8 bytes:
 * u32 key length, key bytes, u32 value length, value bytes (all integers big-endian).
 * Length prefixes make it unambiguous: {"ab":"c"} and {"a":"bc"} encode differently.
 * An absent and an empty context both encode as a zero count, as AWS treats them alike.
 */
import { ValidationException } from '../errors/aws-error.js';

export type EncryptionContext = Record<string, string>;

/** `prefix`, when given, is copied in front of the encoding (the ciphertext header, for the AAD). */
export function encodeEncryptionContext(context: EncryptionContext | undefined, prefix?: Buffer): Buffer {
  const pairs: Array<readonly [Buffer, Buffer]> = [];
  const start = prefix?.length ?? 0;
  let size = start + 4;
  for (const [k, v] of Object.entries(context ?? {})) {
    // A lone surrogate would encode as U+FFFD and collide with a real U+FFFD: refuse it.
    if (!k.isWellFormed() || !v.isWellFormed()) throw ValidationException('Encryption context keys and values must be well-formed Unicode.');
    const pair = [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const;
    size += 8 + pair[0].length + pair[1].length;
    pairs.push(pair);
  }
  if (pairs.length > 1) pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const out = Buffer.allocUnsafe(size);
  if (prefix) prefix.copy(out, 0);
  let at = out.writeUInt32BE(pairs.length, start);
  for (const [k, v] of pairs) {
    at = out.writeUInt32BE(k.length, at);
    at += k.copy(out, at);
    at = out.writeUInt32BE(v.length, at);
    at += v.copy(out, at);
  }
  return out;
}
