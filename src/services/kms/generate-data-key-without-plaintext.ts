import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { generateDataKeyFor } from './generate-data-key.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const generateDataKeyWithoutPlaintext: KmsHandler<'GenerateDataKeyWithoutPlaintext'> = async (input, ctx, kms) => {
  const { key, plaintext, blob } = await generateDataKeyFor(GenerateDataKeyWithoutPlaintext, input, ctx, kms);
  plaintext.fill(0);
  return { CiphertextBlob: blob, KeyId: key.arn, KeyMaterialId: key.currentKeyMaterialId };
};

export const GenerateDataKeyWithoutPlaintext = defineOperation({
  facts: KMS_OPERATION_FACTS.GenerateDataKeyWithoutPlaintext,
  aliases: true,
  grantConstraint: 'encryptionContext',
  algorithmConditionKey: 'kms:EncryptionAlgorithm',
  readOnly: true,
  handler: generateDataKeyWithoutPlaintext,
});
