import type { KeyUsage, KmsKey } from '../../domain/key.js';
import { KEY_SPECS, MAC_ALGORITHMS, type DigestName } from '../../domain/key-specs.js';
import { InvalidKeyUsageException } from '../../errors/aws-error.js';

/** Refuses an operation the key's usage does not permit, in AWS's words. */
export function assertKeyUsage(key: KmsKey, usage: KeyUsage, operation: string): void {
  if (key.keyUsage !== usage) {
    throw InvalidKeyUsageException(`${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`);
  }
}

/** AWS's refusal of an algorithm the key spec does not offer (InvalidKeyUsageException). */
export const incompatibleAlgorithm = (algorithm: string, key: KmsKey) =>
  InvalidKeyUsageException(`Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`);

/** Checks an EncryptionAlgorithm parameter against the key spec; returns the algorithm in effect. */
export function encryptionAlgorithmFor(key: KmsKey, requested: string | undefined): string {
  const algorithms = KEY_SPECS[key.keySpec]?.encryptionAlgorithms ?? [];
  const algorithm = requested ?? 'SYMMETRIC_DEFAULT';
  if (!algorithms.includes(algorithm)) throw incompatibleAlgorithm(algorithm, key);
  return algorithm;
}

/** GenerateMac / VerifyMac: the key must be an HMAC key whose spec offers the MacAlgorithm. */
export function macHashFor(key: KmsKey, operation: string, macAlgorithm: string): DigestName {
  assertKeyUsage(key, 'GENERATE_VERIFY_MAC', operation);
  if (!KEY_SPECS[key.keySpec]?.macAlgorithms?.includes(macAlgorithm)) throw incompatibleAlgorithm(macAlgorithm, key);
  return MAC_ALGORITHMS[macAlgorithm]!.hash;
}
