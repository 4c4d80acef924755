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

/**
 * gcmSeal writing the ciphertext into `out` (plaintext.length bytes) and the tag into `tagOut`
 * (16 bytes), so a caller assembling one blob copies nothing twice.
 */
export function gcmSealInto(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer, out: Buffer, tagOut: Buffer): void {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const rest = cipher.final(); // empty for GCM (a stream mode), copied for form's sake
  body.copy(out, 0);
  rest.copy(out, body.length);
  cipher.getAuthTag().copy(tagOut, 0);
}

/** Returns undefined when authentication fails: callers turn that into one fixed error. */
export function gcmOpen(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer | undefined {
  if (key.length !== AES_256_KEY_BYTES || iv.length !== GCM_IV_BYTES || tag.length !== GCM_TAG_BYTES) return undefined;
  let plaintext: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    plaintext = decipher.update(ciphertext);
    // GCM is a stream mode: final() adds no bytes, it checks the tag (and throws on a mismatch).
    const rest = decipher.final();
    return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
  } catch {
    plaintext?.fill(0); // not authentic: nothing of it stays in memory
    return undefined;
  }
}
