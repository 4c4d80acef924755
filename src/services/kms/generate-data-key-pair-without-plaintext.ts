import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { generateDataKeyPairFor } from './generate-data-key-pair.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const generateDataKeyPairWithoutPlaintext: KmsHandler<'GenerateDataKeyPairWithoutPlaintext'> = async (input, ctx, kms) => {
  const { key, pair, blob } = await generateDataKeyPairFor(GenerateDataKeyPairWithoutPlaintext, input, ctx, kms);
  pair.privateKey.fill(0);
  return { PrivateKeyCiphertextBlob: blob, PublicKey: pair.publicKey, KeyId: key.arn, KeyPairSpec: input.KeyPairSpec, KeyMaterialId: key.currentKeyMaterialId };
};

export const GenerateDataKeyPairWithoutPlaintext = defineOperation({
  facts: KMS_OPERATION_FACTS.GenerateDataKeyPairWithoutPlaintext,
  aliases: true,
  grantConstraint: 'encryptionContext',
  readOnly: true,
  handler: generateDataKeyPairWithoutPlaintext,
});
