import type { KmsOperation } from './operation.js';

export const disableKey: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'DisableKey', aliases: false, input });
  if (key.lifecycle.state !== 'Disabled') await kms.store.keys.update({ ...key, lifecycle: { state: 'Disabled' } });
  return {};
};
