import type { GenerateDataKeyRequest, GenerateDataKeyWithoutPlaintextRequest } from '../../model/kms-types.js';
import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { DATA_KEY_BYTES } from '../../domain/key-specs.js';
import { InvalidKeyUsageException, ValidationException } from '../../errors/aws-error.js';
import { isKeyPair } from './asymmetric-encryption.js';
import type { CallContext } from '../../domain/call-context.js';
import { assertKeyUsage } from './key-usage.js';
import type { KeyOperation } from './kms-core.js';
import type { KmsService } from './kms-service.js';
import { defineOperation, stopIfDryRun, type KmsHandler, type KmsOperation } from './operation.js';

/** Shared by GenerateDataKey and GenerateDataKeyWithoutPlaintext. */
export async function generateDataKeyFor(op: KeyOperation, input: GenerateDataKeyRequest | GenerateDataKeyWithoutPlaintextRequest, ctx: CallContext, kms: KmsService) {
  if ((input.KeySpec === undefined) === (input.NumberOfBytes === undefined)) {
    throw ValidationException('Please specify either number of bytes or key spec.');
  }
  if ('Recipient' in input && input.Recipient !== undefined) throw ValidationException('Recipient (Nitro Enclaves attestation) is not supported by Locksmith.');
  const key = await kms.resolveKey(ctx, input.KeyId, { op, input, encryptionContext: input.EncryptionContext });
  assertKeyUsage(key, 'ENCRYPT_DECRYPT', op.name);
  if (isKeyPair(key)) throw InvalidKeyUsageException('You cannot generate a data key with an asymmetric CMK');
  stopIfDryRun(input);
  const plaintext = ctx.random.bytes(input.NumberOfBytes ?? DATA_KEY_BYTES[input.KeySpec!]); // exactly one of the two (checked above)
  const blob = await kms.seal(ctx, key, plaintext, input.EncryptionContext);
  return { key, plaintext, blob };
}

const generateDataKeyHandler: KmsHandler<'GenerateDataKey'> = async (input, ctx, kms) => {
  const { key, plaintext, blob } = await generateDataKeyFor(GenerateDataKey, input, ctx, kms);
  return { CiphertextBlob: blob, Plaintext: plaintext, KeyId: key.arn, KeyMaterialId: key.currentKeyMaterialId };
};

export const GenerateDataKey = defineOperation({
  facts: KMS_OPERATION_FACTS.GenerateDataKey,
  aliases: true,
  grantConstraint: 'encryptionContext',
  algorithmConditionKey: 'kms:EncryptionAlgorithm',
  readOnly: true,
  handler: generateDataKeyHandler,
});

/**
 * Callable as before with a loosely typed request: S3 (SSE-KMS) calls it in-process as the caller
 * (services/s3/sse/kms-via-s3.ts); the descriptor holds the typed handler.
 */
export const generateDataKey: KmsOperation = (input, ctx, kms) => generateDataKeyHandler(input as GenerateDataKeyRequest, ctx, kms);
