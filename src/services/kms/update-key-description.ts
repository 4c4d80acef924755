import type { KmsOperation } from './operation.js';

export const updateKeyDescription: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'UpdateKeyDescription', aliases: false, input });
  await kms.store.keys.update({ ...key, description: input.Description });
  return {};
};
