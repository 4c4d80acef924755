import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { MAX_TAGS_PER_KEY, tagsFromList } from '../../domain/tags.js';
import { TagException } from '../../errors/aws-error.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const tagResource: KmsHandler<'TagResource'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: TagResource, input });
  const tags = tagsFromList(input.Tags);
  if (!(await kms.store.tags.put(key, tags, MAX_TAGS_PER_KEY))) throw TagException('Too many tags');
  return {};
};

export const TagResource = defineOperation({
  facts: KMS_OPERATION_FACTS.TagResource,
  aliases: false,
  readOnly: false,
  handler: tagResource,
});
