import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { changeKey } from './key-transaction.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const updateKeyDescription: KmsHandler<'UpdateKeyDescription'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: UpdateKeyDescription, input });
  await changeKey(kms, key, UpdateKeyDescription, (fresh) => ({ ...fresh, description: input.Description }));
  return {};
};

export const UpdateKeyDescription = defineOperation({
  facts: KMS_OPERATION_FACTS.UpdateKeyDescription,
  aliases: false,
  readOnly: false,
  handler: updateKeyDescription,
});
