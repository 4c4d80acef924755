import { authorizeIam } from './authorize.js';
import { userXml } from './entities.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { byPathPrefix, paginate } from './paging.js';
import { pathPrefixRule } from './query-input.js';

/** IAM API Reference, "ListUsers": alphabetical, filtered by PathPrefix, paged. */
export const listUsers: QueryOperation = async (input, ctx, deps) => {
  const prefix = input.string('PathPrefix', pathPrefixRule);
  await authorizeIam(deps, ctx, 'ListUsers', `arn:aws:iam::${ctx.account}:user/`);
  const page = paginate(byPathPrefix(await deps.store.iam.listUsers(ctx.account), prefix), input);
  return { Users: page.items.map((u) => userXml(u)), IsTruncated: page.IsTruncated, Marker: page.Marker };
};

export const ListUsers = defineQueryOperation({ service: 'iam', name: 'ListUsers', readOnly: true, handler: listUsers });
