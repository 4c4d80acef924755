import { MAX_TAGS_PER_KEY, tagsFromList } from '../../domain/tags.js';
import { TagException } from '../../errors/aws-error.js';
import type { KmsOperation } from './operation.js';

export const tagResource: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'TagResource', aliases: false, input });
  const tags = tagsFromList(input.Tags);
  if (!(await kms.store.tags.put(key, tags, MAX_TAGS_PER_KEY))) throw TagException('Too many tags');
  return {};
};
