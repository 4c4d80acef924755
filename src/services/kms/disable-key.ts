import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { changeKey } from './key-transaction.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const disableKey: KmsHandler<'DisableKey'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: DisableKey, input });
  await changeKey(kms, key, DisableKey, (fresh) => (fresh.lifecycle.state === 'Disabled' ? undefined : { ...fresh, lifecycle: { state: 'Disabled' } }));
  return {};
};

export const DisableKey = defineOperation({
  facts: KMS_OPERATION_FACTS.DisableKey,
  aliases: false,
  readOnly: false,
  handler: disableKey,
});
