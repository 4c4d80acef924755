import type { EncryptionContext } from '../../domain/encryption-context.js';
import type { KmsKey } from '../../domain/key.js';
import { KEY_SPECS, oaepPlaintextLimit, RSA_ENCRYPTION_ALGORITHMS } from '../../domain/key-specs.js';
import { oaepDecrypt, oaepEncrypt } from '../../crypto/rsa-oaep.js';
import { InvalidCiphertextException, ValidationException } from '../../errors/aws-error.js';
import type { KmsCore } from './kms-core.js';

/**
 * Encrypt / Decrypt / ReEncrypt with RSA ENCRYPT_DECRYPT keys. The ciphertext is the bare
 * RSAES-OAEP output, as AWS returns it, so data encrypted outside KMS with the public key
 * decrypts inside, and Decrypt must be told the KeyId (Decrypt API reference).
 */
export const isKeyPair = (key: KmsKey) => KEY_SPECS[key.keySpec]?.keyPair !== undefined;

/** Encryption context is only for symmetric keys (Encrypt API reference, EncryptionContext). */
export function assertNoContextForKeyPair(context: EncryptionContext | undefined): void {
  if (context && Object.keys(context).length > 0) {
    throw ValidationException('EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.');
  }
}

/** Checks that an RSAES-OAEP plaintext fits the key: 2048 → 214 / 190 bytes, and so on. */
export function assertOaepPlaintextFits(key: KmsKey, algorithm: string, plaintext: Buffer): void {
  const limit = oaepPlaintextLimit(rsaModulusBits(key), RSA_ENCRYPTION_ALGORITHMS[algorithm]!.hashBytes);
  if (plaintext.length > limit) {
    throw ValidationException(`Algorithm ${algorithm} and key spec ${key.keySpec} cannot encrypt data larger than ${limit} bytes.`);
  }
}

function rsaModulusBits(key: KmsKey): number {
  const pair = KEY_SPECS[key.keySpec]?.keyPair;
  if (pair?.kind !== 'rsa') throw new Error(`${key.keySpec} is not an RSA key spec`);
  return pair.modulusBits;
}

export async function rsaEncrypt(kms: KmsCore, key: KmsKey, algorithm: string, plaintext: Buffer): Promise<Buffer> {
  const pkcs8 = await kms.currentMaterial(key);
  try {
    return oaepEncrypt(pkcs8, RSA_ENCRYPTION_ALGORITHMS[algorithm]!.hash, plaintext, kms.keyring);
  } finally {
    pkcs8.fill(0);
  }
}

/** Every failure is the one fixed InvalidCiphertextException. */
export async function rsaDecrypt(kms: KmsCore, key: KmsKey, algorithm: string, ciphertext: Buffer): Promise<Buffer> {
  const pkcs8 = await kms.currentMaterial(key);
  try {
    const plaintext = oaepDecrypt(pkcs8, RSA_ENCRYPTION_ALGORITHMS[algorithm]!.hash, ciphertext, kms.keyring);
    if (!plaintext) throw InvalidCiphertextException();
    return plaintext;
  } finally {
    pkcs8.fill(0);
  }
}
