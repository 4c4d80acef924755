import { keyArn } from '../../domain/arn.js';
import type { KmsKey } from '../../domain/key.js';
import { NotFoundException, UnsupportedOperationException } from '../../errors/aws-error.js';
import type { KeyRef, KeyStore } from '../../store/ports.js';
import { DAY_MS, type Clock } from '../../util/clock.js';

/**
 * What ReplicateKey, UpdatePrimaryRegion and deletion share about Multi-Region keys: one key id
 * in several regions of one account, each region's copy its own row; the copy in
 * `primaryRegion` is the primary (AWS KMS Developer Guide, "Multi-Region keys in AWS KMS").
 */

export const isPrimary = (key: KmsKey) => key.multiRegion && key.region === key.primaryRegion;
export const refOf = (key: KmsKey): KeyRef => ({ account: key.account, region: key.region, keyId: key.keyId });

/** ReplicateKey and UpdatePrimaryRegion name a Multi-Region primary key. */
export function assertMultiRegionPrimary(key: KmsKey): void {
  // Unverified: the text for a single-Region key (AWS documents only the exception name).
  if (!key.multiRegion) throw UnsupportedOperationException(`${key.arn} is not a multi-Region key.`);
  // AWS's recorded answer for a replica writes "multi-region" in lower case (issue #15).
  if (!isPrimary(key)) throw UnsupportedOperationException(`${key.arn} is not a multi-region primary key.`);
}

/** The copy of a Multi-Region key in `region`, or NotFoundException naming the ARN it would have there. */
export function copyIn(copies: KmsKey[], key: KmsKey, region: string): KmsKey {
  const copy = copies.find((k) => k.region === region);
  // Unverified: AWS's error for a PrimaryRegion without a replica.
  if (!copy) throw NotFoundException(`Key '${keyArn(region, key.account, key.keyId)}' does not exist`);
  return copy;
}

const dueDate = (key: KmsKey, now: Date) =>
  key.lifecycle.state === 'PendingDeletion' && key.lifecycle.deletionDate.getTime() <= now.getTime() ? key.lifecycle.deletionDate : undefined;

/**
 * Deletion of a Multi-Region key's copies (ScheduleKeyDeletion API reference; Developer Guide,
 * "Deleting multi-Region keys"): every copy whose deletion date has passed is destroyed; a primary
 * in PendingReplicaDeletion whose last replica is gone moves to PendingDeletion, its waiting
 * period counted from that replica's deletion date (or now, when that is unknown), and is
 * destroyed too if that period is already over. Returns the regions destroyed.
 */
export async function settleMultiRegionDeletion(keys: KeyStore, account: string, keyId: string, now: Date): Promise<string[]> {
  const copies = await keys.regionsOf(account, keyId);
  const destroyed: string[] = [];
  let lastReplicaGone: Date | undefined;
  for (const copy of copies) {
    const due = dueDate(copy, now);
    if (!due || !(await keys.destroy(refOf(copy), now))) continue;
    destroyed.push(copy.region);
    if (!isPrimary(copy) && (!lastReplicaGone || due > lastReplicaGone)) lastReplicaGone = due;
  }
  const remaining = copies.filter((k) => !destroyed.includes(k.region));
  const primary = remaining.find(isPrimary);
  if (remaining.length !== 1 || primary?.lifecycle.state !== 'PendingReplicaDeletion') return destroyed;
  // The primary moves on only if, as committed now, it still waits and has no replica left.
  const deletionDate = await keys.transact((reads) => {
    const fresh = reads.get(refOf(primary));
    if (fresh?.lifecycle.state !== 'PendingReplicaDeletion' || reads.regionsOf(account, keyId).length !== 1) return { changes: [], result: undefined };
    const days = fresh.lifecycle.pendingWindowInDays;
    const date = new Date((lastReplicaGone ?? now).getTime() + days * DAY_MS);
    return { changes: [{ key: { ...fresh, lifecycle: { state: 'PendingDeletion', deletionDate: date, pendingWindowInDays: days } } }], result: date };
  });
  if (deletionDate && deletionDate.getTime() <= now.getTime() && (await keys.destroy(refOf(primary), now))) destroyed.push(primary.region);
  return destroyed;
}

/**
 * Scheduled task: settles every Multi-Region key with a copy due for deletion, before the plain
 * deletion sweep runs (which then finds nothing of them left). Returns how many keys it destroyed.
 */
export async function sweepMultiRegionDeletions(keys: KeyStore, clock: Clock): Promise<number> {
  const now = clock.now();
  const seen = new Set<string>();
  let destroyed = 0;
  for (const ref of await keys.dueForDeletion(now)) {
    const id = `${ref.account}/${ref.keyId}`;
    if (!ref.keyId.startsWith('mrk-') || seen.has(id)) continue;
    seen.add(id);
    destroyed += (await settleMultiRegionDeletion(keys, ref.account, ref.keyId, now)).length;
  }
  return destroyed;
}
