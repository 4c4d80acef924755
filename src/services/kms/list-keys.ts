import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { defineOperation, type KmsHandler } from './operation.js';
import { pageWithMarker } from './paging.js';

export const listKeys: KmsHandler<'ListKeys'> = async (input, ctx, kms) => {
  await kms.authorizer.authorizeIdentity(ctx, ListKeys.name, '*', input);
  const limit: number = input.Limit ?? 100;
  const page = await pageWithMarker(input.Marker, (after) => kms.store.keys.list(ctx.account, ctx.region, limit, after));
  const now = ctx.clock.now().getTime();
  // Keys whose deletion date has passed are gone even before the sweeper removes them.
  const live = page.items.filter((k) => k.lifecycle.state !== 'PendingDeletion' || k.lifecycle.deletionDate.getTime() > now);
  return {
    Keys: live.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })),
    NextMarker: page.NextMarker,
    Truncated: page.Truncated,
  };
};

export const ListKeys = defineOperation({
  facts: KMS_OPERATION_FACTS.ListKeys,
  aliases: false,
  readOnly: true,
  handler: listKeys,
});
