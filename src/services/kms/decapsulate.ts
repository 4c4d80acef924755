import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { mlKemCiphertextBytes, mlKemDecapsulate } from '../../crypto/ml-kem.js';
import { InvalidCiphertextException } from '../../errors/aws-error.js';
import { mlKemParameterSetFor } from './encapsulation.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';

/**
 * Decapsulate: ML-KEM.Decaps (FIPS 203). Decapsulate API reference: InvalidCiphertextException
 * only when the ciphertext's length does not fit the key spec; any other ciphertext (altered, or
 * made for another key) yields a 32-byte pseudo-random secret (implicit rejection).
 */
export const decapsulate: KmsHandler<'Decapsulate'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: Decapsulate, input });
  const set = mlKemParameterSetFor(key, 'Decapsulate', input.EncapsulationAlgorithm);
  const ciphertext = input.SharedSecretCiphertextBlob as Buffer;
  if (ciphertext.length !== mlKemCiphertextBytes(set)) throw InvalidCiphertextException();
  stopIfDryRun(input);
  const pkcs8 = await kms.currentMaterial(key);
  try {
    return { KeyId: key.arn, SharedSecret: mlKemDecapsulate(set, pkcs8, ciphertext), EncapsulationAlgorithm: input.EncapsulationAlgorithm };
  } finally {
    pkcs8.fill(0);
  }
};

export const Decapsulate = defineOperation({
  facts: KMS_OPERATION_FACTS.Decapsulate,
  // Not in AWS's key-state table or kms-op-permissions.tsv (they predate it); a cryptographic use like the others.
  keyStates: { row: KMS_OPERATION_FACTS.Encrypt.keyStates },
  crossAccount: true,
  aliases: true,
  readOnly: true,
  handler: decapsulate,
});
