import { generateDataKeyPairFor } from './generate-data-key-pair.js';
import type { KmsOperation } from './operation.js';

export const generateDataKeyPairWithoutPlaintext: KmsOperation = async (input, ctx, kms) => {
  const { key, pair, blob } = await generateDataKeyPairFor('GenerateDataKeyPairWithoutPlaintext', input, ctx, kms);
  pair.privateKey.fill(0);
  return { PrivateKeyCiphertextBlob: blob, PublicKey: pair.publicKey, KeyId: key.arn, KeyPairSpec: input.KeyPairSpec, KeyMaterialId: key.currentKeyMaterialId };
};
