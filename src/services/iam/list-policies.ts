import { authorizeIam } from './authorize.js';
import { policyXml } from './entities.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { byPathPrefix, paginate } from './paging.js';
import { policyPathRule } from './query-input.js';

/**
 * IAM API Reference, "ListPolicies": Scope All | AWS | Local (Locksmith has no AWS managed
 * policies, so AWS lists nothing), OnlyAttached, PathPrefix; alphabetical, paged.
 */
export const listPolicies: QueryOperation = async (input, ctx, deps) => {
  const scope = input.enumeration('Scope', ['All', 'AWS', 'Local'] as const) ?? 'All';
  const onlyAttached = input.bool('OnlyAttached') ?? false;
  const prefix = input.string('PathPrefix', policyPathRule, 'pathPrefix');
  input.enumeration('PolicyUsageFilter', ['PermissionsPolicy', 'PermissionsBoundary'] as const);
  await authorizeIam(deps, ctx, 'ListPolicies', `arn:aws:iam::${ctx.account}:policy/`);
  const local = scope === 'AWS' ? [] : byPathPrefix(await deps.store.iam.listPolicies(ctx.account), prefix);
  const counted = await Promise.all(local.map(async (p) => ({ p, n: await deps.store.iam.attachmentCount(p.arn) })));
  const page = paginate(counted.filter((c) => !onlyAttached || c.n > 0), input);
  return { Policies: page.items.map((c) => policyXml(c.p, c.n)), IsTruncated: page.IsTruncated, Marker: page.Marker };
};

export const ListPolicies = defineQueryOperation({ service: 'iam', name: 'ListPolicies', readOnly: true, handler: listPolicies });
