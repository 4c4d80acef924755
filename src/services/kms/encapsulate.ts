import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { mlKemEncapsulate } from '../../crypto/ml-kem.js';
import { mlKemParameterSetFor } from './encapsulation.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';

/**
 * Encapsulate: ML-KEM.Encaps (FIPS 203) with the public key of an ML-KEM KMS key: a 32-byte
 * shared secret and its ciphertext (768, 1088 or 1568 bytes; Encapsulate API reference).
 */
export const encapsulate: KmsHandler<'Encapsulate'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: Encapsulate, input });
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

export const Encapsulate = defineOperation({
  facts: KMS_OPERATION_FACTS.Encapsulate,
  // Not in AWS's key-state table or kms-op-permissions.tsv (they predate it); a cryptographic use like the others.
  keyStates: { row: KMS_OPERATION_FACTS.Encrypt.keyStates },
  crossAccount: true,
  aliases: true,
  readOnly: true,
  handler: encapsulate,
});
