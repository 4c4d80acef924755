import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { tagsToList } from '../../domain/tags.js';
import { defineOperation, type KmsHandler } from './operation.js';
import { pageWithMarker } from './paging.js';

export const listResourceTags: KmsHandler<'ListResourceTags'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: ListResourceTags, input });
  const limit: number = input.Limit ?? 50;
  const all = tagsToList(await kms.store.tags.get(key)); // sorted by tag key
  const page = await pageWithMarker(input.Marker, async (after) => {
    const rest = after === undefined ? all : all.filter((t) => t.TagKey > after);
    return { items: rest.slice(0, limit), next: rest.length > limit ? rest[limit - 1].TagKey : undefined };
  });
  return { Tags: page.items, NextMarker: page.NextMarker, Truncated: page.Truncated };
};

export const ListResourceTags = defineOperation({
  facts: KMS_OPERATION_FACTS.ListResourceTags,
  aliases: false,
  readOnly: true,
  handler: listResourceTags,
});
