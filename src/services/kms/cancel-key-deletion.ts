import type { KmsOperation } from './operation.js';

/** A key whose deletion is cancelled comes back Disabled (AWS KMS Developer Guide, "Deleting keys"). */
export const cancelKeyDeletion: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'CancelKeyDeletion', aliases: false, input });
  await kms.store.keys.update({ ...key, lifecycle: { state: 'Disabled' } });
  return { KeyId: key.arn };
};
