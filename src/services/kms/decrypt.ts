import type { DecryptRequest } from '../../model/kms-types.js';
import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { ValidationException } from '../../errors/aws-error.js';
import { encryptionAlgorithmFor } from './key-usage.js';
import { defineOperation, stopIfDryRun, type KmsHandler, type KmsOperation } from './operation.js';

const decryptHandler: KmsHandler<'Decrypt'> = async (input, ctx, kms) => {
  if (input.Recipient !== undefined) throw ValidationException('Recipient (Nitro Enclaves attestation) is not supported by Locksmith.');
  const { key, plaintext, keyMaterialId } = await kms.unseal(ctx, input.CiphertextBlob, input.KeyId, {
    op: Decrypt,
    input,
    encryptionContext: input.EncryptionContext,
    encryptionAlgorithm: input.EncryptionAlgorithm,
  });
  try {
    const algorithm = encryptionAlgorithmFor(key, input.EncryptionAlgorithm);
    stopIfDryRun(input);
    return { KeyId: key.arn, Plaintext: plaintext, EncryptionAlgorithm: algorithm, KeyMaterialId: keyMaterialId };
  } catch (e) {
    plaintext.fill(0);
    throw e;
  }
};

export const Decrypt = defineOperation({
  facts: KMS_OPERATION_FACTS.Decrypt,
  aliases: true,
  grantConstraint: 'encryptionContext',
  algorithmConditionKey: 'kms:EncryptionAlgorithm',
  readOnly: true,
  handler: decryptHandler,
});

/**
 * Callable as before with a loosely typed request: S3 (SSE-KMS) calls it in-process as the caller
 * (services/s3/sse/kms-via-s3.ts); the descriptor holds the typed handler.
 */
export const decrypt: KmsOperation = (input, ctx, kms) => decryptHandler(input as DecryptRequest, ctx, kms);
