import { constants, createPublicKey, privateDecrypt, publicEncrypt } from 'node:crypto';
import type { DigestName } from '../domain/key-specs.js';
import { UNCACHED_PRIVATE_KEYS, type PrivateKeys } from './key-pairs.js';

/** RSAES-OAEP (RFC 8017 §7.1) with MGF1 over the same hash and an empty label, as KMS uses it. */
export function oaepEncrypt(pkcs8: Buffer, hash: DigestName, plaintext: Buffer, keys: PrivateKeys = UNCACHED_PRIVATE_KEYS): Buffer {
  const key = createPublicKey(keys.privateKey(pkcs8));
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext);
}

/** undefined on any decryption failure: callers answer with the one fixed InvalidCiphertextException. */
export function oaepDecrypt(pkcs8: Buffer, hash: DigestName, ciphertext: Buffer, keys: PrivateKeys = UNCACHED_PRIVATE_KEYS): Buffer | undefined {
  try {
    return privateDecrypt({ key: keys.privateKey(pkcs8), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
  } catch {
    return undefined;
  }
}
