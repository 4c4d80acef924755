import { constants, createDecipheriv, privateDecrypt } from 'node:crypto';
import { parsePrivateKey } from './key-pairs.js';

/**
 * Unwrapping of imported key material (KMS Developer Guide, "Importing key material", step 3),
 * all through node:crypto:
 * - RSAES_OAEP_SHA_1 / _256: RSAES-OAEP (RFC 8017 §7.1) with MGF1 over the same hash, empty label.
 * - RSA_AES_KEY_WRAP_SHA_1 / _256: an ephemeral AES key wrapped with RSAES-OAEP, followed by the
 *   key material wrapped under that AES key with AES Key Wrap with Padding (RFC 5649).
 * RSAES_PKCS1_V1_5 is not here: KMS stopped accepting it on October 10, 2023.
 */
export interface WrappingAlgorithmInfo {
  hash: 'sha1' | 'sha256';
  aesKeyWrap: boolean;
}

export const WRAPPING_ALGORITHMS: Record<string, WrappingAlgorithmInfo> = {
  RSAES_OAEP_SHA_1: { hash: 'sha1', aesKeyWrap: false },
  RSAES_OAEP_SHA_256: { hash: 'sha256', aesKeyWrap: false },
  RSA_AES_KEY_WRAP_SHA_1: { hash: 'sha1', aesKeyWrap: true },
  RSA_AES_KEY_WRAP_SHA_256: { hash: 'sha256', aesKeyWrap: true },
};

/** RFC 5649 §3: the alternative initial value; node:crypto names the ciphers id-aes*-wrap-pad. */
const KWP_IV = Buffer.from('a65959a6', 'hex');
const KWP_CIPHERS: Record<number, string> = { 16: 'id-aes128-wrap-pad', 24: 'id-aes192-wrap-pad', 32: 'id-aes256-wrap-pad' };

function oaepOpen(pkcs8: Buffer, hash: string, ciphertext: Buffer): Buffer | undefined {
  try {
    return privateDecrypt({ key: parsePrivateKey(pkcs8), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
  } catch {
    return undefined;
  }
}

function aesKeyUnwrap(aesKey: Buffer, wrapped: Buffer): Buffer | undefined {
  const cipher = KWP_CIPHERS[aesKey.length];
  if (!cipher) return undefined;
  try {
    const decipher = createDecipheriv(cipher, aesKey, KWP_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * The key material inside `wrapped`, or undefined when it does not open with this wrapping
 * private key (PKCS#8 DER) and algorithm: callers answer with the one InvalidCiphertextException.
 */
export function unwrapKeyMaterial(algorithm: string, wrappingKeyPkcs8: Buffer, wrapped: Buffer): Buffer | undefined {
  const info = WRAPPING_ALGORITHMS[algorithm];
  if (!info) return undefined;
  if (!info.aesKeyWrap) return oaepOpen(wrappingKeyPkcs8, info.hash, wrapped);
  // The RSA part is exactly as long as the modulus; the rest is the RFC 5649 output.
  const modulusBits = parsePrivateKey(wrappingKeyPkcs8).asymmetricKeyDetails?.modulusLength ?? 0;
  const rsaBytes = modulusBits / 8;
  if (wrapped.length <= rsaBytes) return undefined;
  const aesKey = oaepOpen(wrappingKeyPkcs8, info.hash, wrapped.subarray(0, rsaBytes));
  if (!aesKey) return undefined;
  try {
    return aesKeyUnwrap(aesKey, wrapped.subarray(rsaBytes));
  } finally {
    aesKey.fill(0);
  }
}
