import { generateDataKeyFor } from './generate-data-key.js';
import type { KmsOperation } from './operation.js';

export const generateDataKeyWithoutPlaintext: KmsOperation = async (input, ctx, kms) => {
  const { key, plaintext, blob } = await generateDataKeyFor('GenerateDataKeyWithoutPlaintext', input, ctx, kms);
  plaintext.fill(0);
  return { CiphertextBlob: blob, KeyId: key.arn, KeyMaterialId: key.currentKeyMaterialId };
};
