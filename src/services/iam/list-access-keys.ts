import { accessKeyOwner, keyOwnerName, ownsKey } from './access-key-owner.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { paginate } from './paging.js';

/** IAM API Reference, "ListAccessKeys": metadata only, never secrets. */
export const listAccessKeys: QueryOperation = async (input, ctx, deps) => {
  const owner = await accessKeyOwner(input, ctx, deps, 'ListAccessKeys');
  const keys = (await deps.store.credentials.listAccessKeys(ctx.account)).filter((k) => ownsKey(owner, k));
  const page = paginate(keys, input);
  return {
    UserName: keyOwnerName(owner),
    AccessKeyMetadata: page.items.map((k) => ({ UserName: keyOwnerName(owner), AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createdAt })),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  };
};

export const ListAccessKeys = defineQueryOperation({ service: 'iam', name: 'ListAccessKeys', readOnly: true, handler: listAccessKeys });
