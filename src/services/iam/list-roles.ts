import { authorizeIam } from './authorize.js';
import { roleXml } from './entities.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { roleForDisplay } from './policy-documents.js';
import { byPathPrefix, paginate } from './paging.js';
import { pathPrefixRule } from './query-input.js';

/** IAM API Reference, "ListRoles": alphabetical, filtered by PathPrefix, paged. */
export const listRoles: QueryOperation = async (input, ctx, deps) => {
  const prefix = input.string('PathPrefix', pathPrefixRule);
  await authorizeIam(deps, ctx, 'ListRoles', `arn:aws:iam::${ctx.account}:role/`);
  const page = paginate(byPathPrefix(await deps.store.iam.listRoles(ctx.account), prefix), input);
  const roles = await Promise.all(page.items.map((r) => roleForDisplay(deps.store, r)));
  return { Roles: roles.map((r) => roleXml(r)), IsTruncated: page.IsTruncated, Marker: page.Marker };
};

export const ListRoles = defineQueryOperation({ service: 'iam', name: 'ListRoles', readOnly: true, handler: listRoles });
