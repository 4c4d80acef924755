import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { keyArn } from '../../domain/arn.js';
import { InvalidGrantIdException } from '../../errors/aws-error.js';
import type { KmsGrant } from '../../store/grant-ports.js';
import type { Store } from '../../store/ports.js';
import { bindGrantPrincipal, displayGrantPrincipal } from '../principal-binding.js';
import { defineOperation, type KmsHandler } from './operation.js';
import { pageWithMarker } from './paging.js';

/** Grant ids are 64 hexadecimal characters (RetireGrant API reference, "GrantId"). */
export const GRANT_ID_FORMAT = /^[0-9a-f]{64}$/;


export function assertGrantIdFormat(grantId: string): void {
  if (!GRANT_ID_FORMAT.test(grantId)) throw InvalidGrantIdException(`Invalid grant ID: ${grantId}`);
}

/**
 * A GrantListEntry (ListGrants and ListRetirableGrants). Name is "" when the grant has none, as AWS lists it.
 * Principals bound to a unique id show their current ARN, or the id once deleted (as AWS lists them:
 * terraform-provider-aws issue #29340, "grantee principal is invalid: AROA…").
 */
export async function grantListEntry(store: Store, g: KmsGrant): Promise<Record<string, unknown>> {
  return {
    KeyId: keyArn(g.region, g.account, g.keyId),
    GrantId: g.grantId,
    Name: g.name ?? '',
    CreationDate: g.creationDate,
    GranteePrincipal: await displayGrantPrincipal(store, g.granteePrincipal),
    RetiringPrincipal: g.retiringPrincipal === undefined ? undefined : await displayGrantPrincipal(store, g.retiringPrincipal),
    IssuingAccount: g.issuingAccount,
    Operations: g.operations,
    Constraints: g.constraints,
  };
}

export const listGrants: KmsHandler<'ListGrants'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: ListGrants, input });
  const grantId: string | undefined = input.GrantId;
  if (grantId !== undefined) assertGrantIdFormat(grantId);
  const limit: number = input.Limit ?? 50;
  // Grants for service principals are never created here, so that filter matches nothing.
  const none = input.GranteeServicePrincipal !== undefined;
  const grantee = await filterPrincipal(kms.store, input.GranteePrincipal);
  const page = await pageWithMarker(input.Marker, async (after) =>
    none ? { items: [] } : kms.store.grants.list(key, limit, after, { grantId, granteePrincipal: grantee }),
  );
  return { Grants: await Promise.all(page.items.map((g) => grantListEntry(kms.store, g))), NextMarker: page.NextMarker, Truncated: page.Truncated };
};

/** A principal filter as grants store it: an existing user or role by its unique id, anything else as given. */
export async function filterPrincipal(store: Store, arn: string | undefined): Promise<string | undefined> {
  return arn === undefined ? undefined : ((await bindGrantPrincipal(store, arn)) ?? arn);
}

export const ListGrants = defineOperation({
  facts: KMS_OPERATION_FACTS.ListGrants,
  aliases: false,
  readOnly: true,
  handler: listGrants,
});
