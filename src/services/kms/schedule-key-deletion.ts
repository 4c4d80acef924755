import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { ValidationException } from '../../errors/aws-error.js';
import { DAY_MS } from '../../util/clock.js';
import { isPrimary } from './multi-region.js';
import { changeKey } from './key-transaction.js';
import { defineOperation, type KmsHandler } from './operation.js';

/** Waiting period bounds KMS enforces beyond the model's 1–365 (kms-facts.md "Limits"). */
const MIN_WINDOW_DAYS = 7;
const MAX_WINDOW_DAYS = 30;

export const scheduleKeyDeletion: KmsHandler<'ScheduleKeyDeletion'> = async (input, ctx, kms) => {
  const days: number = input.PendingWindowInDays ?? MAX_WINDOW_DAYS;
  if (days < MIN_WINDOW_DAYS || days > MAX_WINDOW_DAYS) {
    throw ValidationException(`PendingWindowInDays should be between ${MIN_WINDOW_DAYS} and ${MAX_WINDOW_DAYS}, but it is ${days}`);
  }
  const key = await kms.resolveKey(ctx, input.KeyId, { op: ScheduleKeyDeletion, input });
  // A Multi-Region primary with replicas waits in PendingReplicaDeletion, without a deletion date,
  // until its last replica is deleted; then its own waiting period begins (ScheduleKeyDeletion
  // API reference). Replicas are scheduled like single-Region keys. Decided on the rows as committed now.
  const deletionDate = new Date(ctx.clock.now().getTime() + days * DAY_MS);
  let waitsForReplicas = false;
  await changeKey(kms, key, ScheduleKeyDeletion, (fresh, reads) => {
    waitsForReplicas = isPrimary(fresh) && reads.regionsOf(fresh.account, fresh.keyId).length > 1;
    return {
      ...fresh,
      lifecycle: waitsForReplicas ? { state: 'PendingReplicaDeletion', pendingWindowInDays: days } : { state: 'PendingDeletion', deletionDate, pendingWindowInDays: days },
    };
  });
  if (waitsForReplicas) return { KeyId: key.arn, KeyState: 'PendingReplicaDeletion', PendingWindowInDays: days };
  return { KeyId: key.arn, DeletionDate: deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: days };
};

export const ScheduleKeyDeletion = defineOperation({
  facts: KMS_OPERATION_FACTS.ScheduleKeyDeletion,
  aliases: false,
  readOnly: false,
  handler: scheduleKeyDeletion,
});
