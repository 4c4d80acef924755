import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { AwsError, ValidationException } from '../../errors/aws-error.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const generateRandom: KmsHandler<'GenerateRandom'> = async (input, ctx, kms) => {
  if (input.NumberOfBytes === undefined) throw ValidationException('NumberOfBytes is required.');
  await kms.authorizer.authorizeIdentity(ctx, GenerateRandom.name, '*', input);
  if (input.CustomKeyStoreId !== undefined) {
    throw new AwsError('CustomKeyStoreNotFoundException', `Custom key store ${input.CustomKeyStoreId} does not exist.`);
  }
  if (input.Recipient !== undefined) throw ValidationException('Recipient (Nitro Enclaves attestation) is not supported by Locksmith.');
  return { Plaintext: ctx.random.bytes(input.NumberOfBytes) };
};

export const GenerateRandom = defineOperation({
  facts: KMS_OPERATION_FACTS.GenerateRandom,
  aliases: false,
  readOnly: true,
  handler: generateRandom,
});
