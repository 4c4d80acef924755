import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { defineOperation, type KmsHandler } from './operation.js';

/** Removing a tag key the key does not have succeeds silently, as in AWS. */
export const untagResource: KmsHandler<'UntagResource'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: UntagResource, input });
  await kms.store.tags.remove(key, input.TagKeys);
  return {};
};

export const UntagResource = defineOperation({
  facts: KMS_OPERATION_FACTS.UntagResource,
  aliases: false,
  readOnly: false,
  handler: untagResource,
});
