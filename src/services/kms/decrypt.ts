import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { ValidationException } from '../../errors/aws-error.js';
import { encryptionAlgorithmFor } from './key-usage.js';
import { defineOperation, stopIfDryRun, type KmsOperation } from './operation.js';

export const decrypt: KmsOperation = async (input, ctx, kms) => {
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
  handler: decrypt,
});
