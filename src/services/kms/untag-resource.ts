import type { KmsOperation } from './operation.js';

/** Removing a tag key the key does not have succeeds silently, as in AWS. */
export const untagResource: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'UntagResource', aliases: false, input });
  await kms.store.tags.remove(key, input.TagKeys);
  return {};
};
