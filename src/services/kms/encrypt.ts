import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { assertNoContextForKeyPair, assertOaepPlaintextFits, isKeyPair } from './asymmetric-encryption.js';
import { assertKeyUsage, encryptionAlgorithmFor } from './key-usage.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';

export const encrypt: KmsHandler<'Encrypt'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: Encrypt, input, encryptionContext: input.EncryptionContext });
  assertKeyUsage(key, 'ENCRYPT_DECRYPT', 'Encrypt');
  const algorithm = encryptionAlgorithmFor(key, input.EncryptionAlgorithm);
  if (isKeyPair(key)) {
    assertNoContextForKeyPair(input.EncryptionContext);
    assertOaepPlaintextFits(key, algorithm, input.Plaintext);
  }
  stopIfDryRun(input);
  const blob = await kms.encryptFor(ctx, key, algorithm, input.Plaintext, input.EncryptionContext);
  return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: algorithm };
};

export const Encrypt = defineOperation({
  facts: KMS_OPERATION_FACTS.Encrypt,
  aliases: true,
  grantConstraint: 'encryptionContext',
  algorithmConditionKey: 'kms:EncryptionAlgorithm',
  readOnly: true,
  handler: encrypt,
});
