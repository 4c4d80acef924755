import type { KmsOperation } from './operation.js';

export const enableKey: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'EnableKey', aliases: false, input });
  if (key.lifecycle.state !== 'Enabled') await kms.store.keys.update({ ...key, lifecycle: { state: 'Enabled' } });
  return {};
};
