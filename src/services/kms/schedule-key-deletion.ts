import { ValidationException } from '../../protocols/errors.js';
import { DAY_MS } from '../../util/clock.js';
import { isPrimary } from './multi-region.js';
import type { KmsOperation } from './operation.js';

/** Waiting period bounds KMS enforces beyond the model's 1–365 (kms-facts.md "Limits"). */
const MIN_WINDOW_DAYS = 7;
const MAX_WINDOW_DAYS = 30;

export const scheduleKeyDeletion: KmsOperation = async (input, ctx, kms) => {
  const days: number = input.PendingWindowInDays ?? MAX_WINDOW_DAYS;
  if (days < MIN_WINDOW_DAYS || days > MAX_WINDOW_DAYS) {
    throw ValidationException(`PendingWindowInDays should be between ${MIN_WINDOW_DAYS} and ${MAX_WINDOW_DAYS}, but it is ${days}`);
  }
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'ScheduleKeyDeletion', aliases: false, input });
  // A Multi-Region primary with replicas waits in PendingReplicaDeletion, without a deletion date,
  // until its last replica is deleted; then its own waiting period begins (ScheduleKeyDeletion
  // API reference). Replicas are scheduled like single-Region keys.
  if (isPrimary(key) && (await kms.store.keys.regionsOf(key.account, key.keyId)).length > 1) {
    await kms.store.keys.update({ ...key, lifecycle: { state: 'PendingReplicaDeletion', pendingWindowInDays: days } });
    return { KeyId: key.arn, KeyState: 'PendingReplicaDeletion', PendingWindowInDays: days };
  }
  const deletionDate = new Date(ctx.clock.now().getTime() + days * DAY_MS);
  await kms.store.keys.update({ ...key, lifecycle: { state: 'PendingDeletion', deletionDate, pendingWindowInDays: days } });
  return { KeyId: key.arn, DeletionDate: deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: days };
};
