import { createCipheriv, createDecipheriv } from 'node:crypto';

/** AES-256-GCM with a 96-bit IV and 128-bit tag (NIST SP 800-38D). Thin wrapper over node:crypto. */
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
export const AES_256_KEY_BYTES = 32;

export interface GcmSealed {
  ciphertext: Buffer;
  tag: Buffer;
}

export function gcmSeal(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer): GcmSealed {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/** Returns undefined when authentication fails: callers turn that into one fixed error. */
export function gcmOpen(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer | undefined {
  if (key.length !== AES_256_KEY_BYTES || iv.length !== GCM_IV_BYTES || tag.length !== GCM_TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}
