import { changeKey } from './key-transaction.js';
import type { KmsOperation } from './operation.js';

export const updateKeyDescription: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'UpdateKeyDescription', aliases: false, input });
  await changeKey(kms, key, 'UpdateKeyDescription', (fresh) => ({ ...fresh, description: input.Description }));
  return {};
};
