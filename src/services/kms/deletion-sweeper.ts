import type { Store } from '../../store/ports.js';
import type { Clock } from '../../util/clock.js';

/**
 * Destroys every key whose deletion date has passed: the key, all its material, aliases and
 * tags. Runs at start and periodically; KmsService.loadKey does the same lazily per key, so a
 * key is gone at its deletion date even between sweeps. Returns how many keys it destroyed.
 */
export async function sweepDueDeletions(store: Store, clock: Clock): Promise<number> {
  const now = clock.now();
  const due = await store.keys.dueForDeletion(now);
  let destroyed = 0;
  // Each only if still due when destroyed (a CancelKeyDeletion may commit in between).
  for (const ref of due) if (await store.keys.destroy(ref, now)) destroyed++;
  return destroyed;
}
