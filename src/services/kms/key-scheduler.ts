import { sweepDueDeletions } from './deletion-sweeper.js';
import { rotateDueKeys } from './key-rotation.js';
import { expireImportedMaterial } from './import-expiry.js';
import type { ScheduleEnv } from './kms-core.js';

export type { ScheduleEnv } from './kms-core.js';
import { sweepMultiRegionDeletions } from './multi-region.js';

/** What a scheduled task may use: the (audited) store and root key through `kms`, the injected clock. */
/**
 * Work KMS does on its own when a date passes: destroying keys at the end of their waiting
 * period, automatic rotation, expiring imported key material. Each task finds what is due at
 * `clock.now()` and returns how many keys it changed; the server runs them at start and on a
 * timer, and tests run them after moving the clock.
 */
export const KEY_SCHEDULE: Record<string, (env: ScheduleEnv) => Promise<number>> = {
  // Before `deletion`: Multi-Region copies go together (a primary waits for its replicas).
  multiRegionDeletion: (env) => sweepMultiRegionDeletions(env.kms.store.keys, env.clock),
  deletion: (env) => sweepDueDeletions(env.kms.store, env.clock),
  rotation: (env) => rotateDueKeys(env),
  importExpiry: (env) => expireImportedMaterial(env),
};

/** Runs every task once; one failing task does not stop the others. Returns the counts by task. */
export async function runKeySchedule(env: ScheduleEnv, onError: (task: string, e: Error) => void): Promise<Record<string, number>> {
  const done: Record<string, number> = {};
  for (const [name, task] of Object.entries(KEY_SCHEDULE)) {
    try {
      done[name] = await task(env);
    } catch (e) {
      onError(name, e as Error);
    }
  }
  return done;
}
