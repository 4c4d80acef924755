import { constants, createPublicKey, privateDecrypt, publicEncrypt } from 'node:crypto';
import type { DigestName } from '../domain/key-specs.js';
import { privateKeyObject } from './key-pairs.js';

/** RSAES-OAEP (RFC 8017 §7.1) with MGF1 over the same hash and an empty label, as KMS uses it. */
export function oaepEncrypt(pkcs8: Buffer, hash: DigestName, plaintext: Buffer): Buffer {
  const key = createPublicKey(privateKeyObject(pkcs8));
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext);
}

/** undefined on any decryption failure: callers answer with the one fixed InvalidCiphertextException. */
export function oaepDecrypt(pkcs8: Buffer, hash: DigestName, ciphertext: Buffer): Buffer | undefined {
  try {
    return privateDecrypt({ key: privateKeyObject(pkcs8), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
  } catch {
    return undefined;
  }
}
