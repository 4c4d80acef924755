import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { aliasArn } from '../../domain/arn.js';
import type { KmsAlias } from '../../domain/key.js';
import type { Page } from '../../store/ports.js';
import { AWS_MANAGED_ALIAS_PREFIX, AWS_MANAGED_KEY_SPECS } from './aws-managed-keys.js';
import { defineOperation, type KmsHandler } from './operation.js';
import { pageWithMarker } from './paging.js';

/** The predefined `alias/aws/<service>` names, in the order ListAliases pages by (alias name). */
const PREDEFINED = Object.keys(AWS_MANAGED_KEY_SPECS)
  .map((service) => AWS_MANAGED_ALIAS_PREFIX + service)
  .sort();

/** A predefined alias whose AWS managed key does not exist yet: a name without a TargetKeyId. */
type Entry = KmsAlias | { aliasName: string; predefined: true };

/**
 * The stored aliases after `after`, merged with the predefined AWS aliases not stored yet (AWS
 * lists those too, without TargetKeyId: ListAliases API reference), by alias name. A predefined
 * name counts as not stored only up to the last stored name this page saw (or everywhere, when
 * the store has no more); the store's `next` position stays a plain alias name.
 */
function withPredefined(stored: Page<KmsAlias>, after: string | undefined, limit: number): Page<Entry> {
  const storedNames = new Set(stored.items.map((a) => a.aliasName));
  const seenUpTo = stored.next === undefined ? undefined : stored.items[stored.items.length - 1]!.aliasName;
  const missing: Entry[] = PREDEFINED.filter(
    (name) => (after === undefined || name > after) && (seenUpTo === undefined || name <= seenUpTo) && !storedNames.has(name),
  ).map((aliasName) => ({ aliasName, predefined: true as const }));
  const merged = [...stored.items, ...missing].sort((a, b) => (a.aliasName < b.aliasName ? -1 : a.aliasName > b.aliasName ? 1 : 0));
  const items = merged.slice(0, limit);
  const more = merged.length > limit || stored.next !== undefined;
  return { items, next: more && items.length > 0 ? items[items.length - 1]!.aliasName : undefined };
}

export const listAliases: KmsHandler<'ListAliases'> = async (input, ctx, kms) => {
  await kms.authorizer.authorizeIdentity(ctx, ListAliases.name, '*', input);
  const limit: number = input.Limit ?? 50;
  const target = input.KeyId === undefined ? undefined : await kms.resolveKey(ctx, input.KeyId, { op: ListAliases, input });
  const page = await pageWithMarker<Entry>(input.Marker, async (after) => {
    const stored = await kms.store.aliases.list(ctx.account, ctx.region, limit, after, target?.keyId);
    // With KeyId, only the key's own aliases: a predefined alias without a key names none.
    return target ? stored : withPredefined(stored, after, limit);
  });
  return {
    Aliases: page.items.map((a) =>
      'predefined' in a
        ? // Unverified: that predefined entries carry no CreationDate/LastUpdatedDate either.
          { AliasName: a.aliasName, AliasArn: aliasArn(ctx.region, ctx.account, a.aliasName) }
        : {
            AliasName: a.aliasName,
            AliasArn: aliasArn(a.region, a.account, a.aliasName),
            TargetKeyId: a.targetKeyId,
            CreationDate: a.creationDate,
            LastUpdatedDate: a.lastUpdatedDate,
          },
    ),
    NextMarker: page.NextMarker,
    Truncated: page.Truncated,
  };
};

export const ListAliases = defineOperation({
  facts: KMS_OPERATION_FACTS.ListAliases,
  aliases: false,
  readOnly: true,
  handler: listAliases,
});
