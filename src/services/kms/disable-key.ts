import { changeKey } from './key-transaction.js';
import type { KmsOperation } from './operation.js';

export const disableKey: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'DisableKey', aliases: false, input });
  await changeKey(kms, key, 'DisableKey', (fresh) => (fresh.lifecycle.state === 'Disabled' ? undefined : { ...fresh, lifecycle: { state: 'Disabled' } }));
  return {};
};
