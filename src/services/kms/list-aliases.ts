import { aliasArn } from '../../domain/arn.js';
import type { KmsOperation } from './operation.js';
import { pageWithMarker } from './paging.js';

export const listAliases: KmsOperation = async (input, ctx, kms) => {
  await kms.authorizer.authorizeIdentity(ctx, 'ListAliases', '*', input);
  const limit: number = input.Limit ?? 50;
  const target = input.KeyId === undefined ? undefined : await kms.resolveKey(ctx, input.KeyId, { operation: 'ListAliases', aliases: false, input });
  const page = await pageWithMarker(input.Marker, (after) =>
    kms.store.aliases.list(ctx.account, ctx.region, limit, after, target?.keyId),
  );
  return {
    Aliases: page.items.map((a) => ({
      AliasName: a.aliasName,
      AliasArn: aliasArn(a.region, a.account, a.aliasName),
      TargetKeyId: a.targetKeyId,
      CreationDate: a.creationDate,
      LastUpdatedDate: a.lastUpdatedDate,
    })),
    NextMarker: page.NextMarker,
    Truncated: page.Truncated,
  };
};
