import { keyArn } from '../../domain/arn.js';
import { InvalidGrantIdException } from '../../protocols/errors.js';
import type { KmsGrant } from '../../store/grant-ports.js';
import type { KmsOperation } from './operation.js';
import { pageWithMarker } from './paging.js';

/** Grant ids are 64 hexadecimal characters (RetireGrant API reference, "GrantId"). */
export const GRANT_ID_FORMAT = /^[0-9a-f]{64}$/;


export function assertGrantIdFormat(grantId: string): void {
  if (!GRANT_ID_FORMAT.test(grantId)) throw InvalidGrantIdException(`Invalid grant ID: ${grantId}`);
}

/** A GrantListEntry (ListGrants and ListRetirableGrants). Name is "" when the grant has none, as AWS lists it. */
export function grantListEntry(g: KmsGrant): Record<string, unknown> {
  return {
    KeyId: keyArn(g.region, g.account, g.keyId),
    GrantId: g.grantId,
    Name: g.name ?? '',
    CreationDate: g.creationDate,
    GranteePrincipal: g.granteePrincipal,
    RetiringPrincipal: g.retiringPrincipal,
    IssuingAccount: g.issuingAccount,
    Operations: g.operations,
    Constraints: g.constraints,
  };
}

export const listGrants: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'ListGrants', aliases: false, input });
  const grantId: string | undefined = input.GrantId;
  if (grantId !== undefined) assertGrantIdFormat(grantId);
  const limit: number = input.Limit ?? 50;
  // Grants for service principals are never created here, so that filter matches nothing.
  const none = input.GranteeServicePrincipal !== undefined;
  const page = await pageWithMarker(input.Marker, async (after) =>
    none ? { items: [] } : kms.store.grants.list(key, limit, after, { grantId, granteePrincipal: input.GranteePrincipal }),
  );
  return { Grants: page.items.map(grantListEntry), NextMarker: page.NextMarker, Truncated: page.Truncated };
};
