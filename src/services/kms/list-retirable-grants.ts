import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { accessDeniedMessage } from '../../policy/evaluate.js';
import { AccessDeniedException, ValidationException } from '../../errors/aws-error.js';
import { assertPrincipalArn, principalAccount } from './create-grant.js';
import { filterPrincipal, grantListEntry } from './list-grants.js';
import { defineOperation, type KmsHandler } from './operation.js';
import { pageWithMarker } from './paging.js';

/**
 * Grants in the caller's region, on keys of any account, whose retiring principal is the given
 * one. Authorized by IAM policy; the principal must be in the caller's account
 * (kms-op-permissions.tsv: "own account principal only").
 */
export const listRetirableGrants: KmsHandler<'ListRetirableGrants'> = async (input, ctx, kms) => {
  if (input.RetiringServicePrincipal !== undefined) {
    throw ValidationException('Grants for service principals (RetiringServicePrincipal) are not supported.');
  }
  const principal: string | undefined = input.RetiringPrincipal;
  if (principal === undefined) throw ValidationException('You must specify either RetiringPrincipal or RetiringServicePrincipal.');
  assertPrincipalArn(principal);
  await kms.authorizer.authorizeIdentity(ctx, ListRetirableGrants.name, '*', input);
  if (principalAccount(principal) !== ctx.account) {
    throw AccessDeniedException(accessDeniedMessage(
      { principal: ctx.principal, action: 'kms:ListRetirableGrants', resource: '*', resourceAccount: ctx.account, conditionKeys: {} },
      { allowed: false, reason: 'noIdentityAllow' },
    ));
  }
  const limit: number = input.Limit ?? 50;
  const stored = (await filterPrincipal(kms.store, principal))!;
  const page = await pageWithMarker(input.Marker, (after) => kms.store.grants.listRetirable(ctx.region, stored, limit, after));
  return { Grants: await Promise.all(page.items.map((g) => grantListEntry(kms.store, g))), NextMarker: page.NextMarker, Truncated: page.Truncated };
};

export const ListRetirableGrants = defineOperation({
  facts: KMS_OPERATION_FACTS.ListRetirableGrants,
  aliases: false,
  readOnly: true,
  handler: listRetirableGrants,
});
