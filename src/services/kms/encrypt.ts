import { assertKeyUsage, encryptionAlgorithmFor } from './key-usage.js';
import { stopIfDryRun, type KmsOperation } from './operation.js';

export const encrypt: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'Encrypt', aliases: true, input, encryptionContext: input.EncryptionContext });
  assertKeyUsage(key, 'ENCRYPT_DECRYPT', 'Encrypt');
  const algorithm = encryptionAlgorithmFor(key, input.EncryptionAlgorithm);
  stopIfDryRun(input);
  const blob = await kms.seal(ctx, key, input.Plaintext, input.EncryptionContext);
  return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: algorithm };
};
