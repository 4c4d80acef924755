import type { KeyUsage, KmsKey } from '../../domain/key.js';
import { KEY_SPECS } from '../../domain/key-specs.js';
import { InvalidKeyUsageException } from '../../protocols/errors.js';

/** Refuses an operation the key's usage does not permit, in AWS's words. */
export function assertKeyUsage(key: KmsKey, usage: KeyUsage, operation: string): void {
  if (key.keyUsage !== usage) {
    throw InvalidKeyUsageException(`${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`);
  }
}

/** Checks an EncryptionAlgorithm parameter against the key spec; returns the algorithm in effect. */
export function encryptionAlgorithmFor(key: KmsKey, requested: string | undefined): string {
  const algorithms = KEY_SPECS[key.keySpec]?.encryptionAlgorithms ?? [];
  const algorithm = requested ?? 'SYMMETRIC_DEFAULT';
  if (!algorithms.includes(algorithm)) {
    throw InvalidKeyUsageException(`Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`);
  }
  return algorithm;
}
