import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import type { KmsKey } from '../../domain/key.js';
import { assertKeyStateAllows } from '../../domain/key-states.js';
import { assertMultiRegionPrimary, copyIn } from './multi-region.js';
import { changeKey } from './key-transaction.js';
import { defineOperation, type KmsHandler } from './operation.js';
import { settleTransientState, updatingUntil } from './transient-key-states.js';

/**
 * UpdatePrimaryRegion (API reference): the replica in PrimaryRegion becomes the primary and the
 * former primary a replica. Needs kms:UpdatePrimaryRegion on both keys, each in its own key
 * policy and region. Every copy's primary region changes in one transaction, so no reader sees
 * two primaries or none.
 */
export const updatePrimaryRegion: KmsHandler<'UpdatePrimaryRegion'> = async (input, ctx, kms) => {
  const primaryRegion: string = input.PrimaryRegion;
  // kms:PrimaryRegion: "AWS KMS condition keys".
  const extraConditions = () => ({ 'kms:PrimaryRegion': primaryRegion });
  const primary = await kms.resolveKey(ctx, input.KeyId, { op: UpdatePrimaryRegion, input, extraConditions });
  assertMultiRegionPrimary(primary);
  // Unverified: AWS's answer when PrimaryRegion is already the primary's region; treated as done.
  if (primaryRegion === primary.region) return {};
  const copies = await kms.store.keys.regionsOf(primary.account, primary.keyId);
  const replica = await settleTransientState(kms.store.keys, copyIn(copies, primary, primaryRegion), ctx.clock.now());
  await kms.authorize({ ...ctx, region: primaryRegion }, replica, { op: UpdatePrimaryRegion, input, extraConditions });
  assertKeyStateAllows(UpdatePrimaryRegion.keyStates, replica);
  // Every copy as committed now, provided the key's primary is still the one authorized above;
  // the old and the new primary are Updating for a few seconds (transient-key-states.ts).
  const updating = updatingUntil(ctx.clock.now());
  await changeKey(kms, primary, UpdatePrimaryRegion, (fresh, reads) => {
    assertMultiRegionPrimary(fresh);
    const current = reads.regionsOf(fresh.account, fresh.keyId);
    assertKeyStateAllows(UpdatePrimaryRegion.keyStates, copyIn(current, fresh, primaryRegion));
    const swapped = (key: KmsKey) => key.region === fresh.region || key.region === primaryRegion;
    return current.map((key) => ({ key: { ...key, primaryRegion, ...(swapped(key) ? { lifecycle: updating } : {}) } }));
  });
  return {};
};

export const UpdatePrimaryRegion = defineOperation({
  facts: KMS_OPERATION_FACTS.UpdatePrimaryRegion,
  aliases: false,
  readOnly: false,
  handler: updatePrimaryRegion,
});
