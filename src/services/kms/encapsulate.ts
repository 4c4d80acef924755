import { mlKemEncapsulate } from '../../crypto/ml-kem.js';
import { mlKemParameterSetFor } from './encapsulation.js';
import { stopIfDryRun, type KmsOperation } from './operation.js';

/**
 * Encapsulate: ML-KEM.Encaps (FIPS 203) with the public key of an ML-KEM KMS key: a 32-byte
 * shared secret and its ciphertext (768, 1088 or 1568 bytes; Encapsulate API reference).
 */
export const encapsulate: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'Encapsulate', aliases: true, input });
  const set = mlKemParameterSetFor(key, 'Encapsulate', input.EncapsulationAlgorithm);
  stopIfDryRun(input);
  const pkcs8 = await kms.currentMaterial(key);
  try {
    const { sharedSecret, ciphertext } = mlKemEncapsulate(set, pkcs8);
    return { KeyId: key.arn, SharedSecret: sharedSecret, SharedSecretCiphertextBlob: ciphertext, EncapsulationAlgorithm: input.EncapsulationAlgorithm };
  } finally {
    pkcs8.fill(0);
  }
};
