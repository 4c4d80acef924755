import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { assertNoContextForKeyPair, assertOaepPlaintextFits, isKeyPair } from './asymmetric-encryption.js';
import { assertKeyUsage, encryptionAlgorithmFor } from './key-usage.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';

/** Decrypts under the key recorded in the ciphertext and encrypts under the destination key, server-side. */
export const reEncrypt: KmsHandler<'ReEncrypt'> = async (input, ctx, kms) => {
  const destination = await kms.resolveKey(ctx, input.DestinationKeyId, {
    op: ReEncrypt,
    action: 'ReEncryptTo',
    input,
    encryptionContext: input.DestinationEncryptionContext,
  });
  const source = await kms.unseal(ctx, input.CiphertextBlob, input.SourceKeyId, {
    op: ReEncrypt,
    action: 'ReEncryptFrom',
    input: { ...input, KeyId: input.SourceKeyId },
    encryptionContext: input.SourceEncryptionContext,
    encryptionAlgorithm: input.SourceEncryptionAlgorithm,
    extraConditions: (key) => ({ 'kms:ReEncryptOnSameKey': key.arn === destination.arn }),
  });
  try {
    // AWS checks the ciphertext against the source key before the destination's usage (issue #15).
    assertKeyUsage(destination, 'ENCRYPT_DECRYPT', 'ReEncrypt');
    const destinationAlgorithm = encryptionAlgorithmFor(destination, input.DestinationEncryptionAlgorithm);
    if (isKeyPair(destination)) assertNoContextForKeyPair(input.DestinationEncryptionContext);
    const sourceAlgorithm = encryptionAlgorithmFor(source.key, input.SourceEncryptionAlgorithm);
    if (isKeyPair(destination)) assertOaepPlaintextFits(destination, destinationAlgorithm, source.plaintext);
    stopIfDryRun(input);
    const blob = await kms.encryptFor(ctx, destination, destinationAlgorithm, source.plaintext, input.DestinationEncryptionContext);
    return {
      CiphertextBlob: blob,
      SourceKeyId: source.key.arn,
      KeyId: destination.arn,
      SourceEncryptionAlgorithm: sourceAlgorithm,
      DestinationEncryptionAlgorithm: destinationAlgorithm,
      SourceKeyMaterialId: source.keyMaterialId,
      DestinationKeyMaterialId: destination.currentKeyMaterialId,
    };
  } finally {
    source.plaintext.fill(0);
  }
};

export const ReEncrypt = defineOperation({
  facts: KMS_OPERATION_FACTS.ReEncrypt,
  aliases: true,
  grantConstraint: 'encryptionContext',
  algorithmConditionKey: 'kms:EncryptionAlgorithm',
  readOnly: true,
  handler: reEncrypt,
});
