import type { KeyLifecycle, KmsKey } from '../../domain/key.js';
import type { KeyStore } from '../../store/ports.js';

/**
 * The transient key states of Multi-Region keys. ReplicateKey API reference: the new replica
 * "has a transient key state of Creating. This key state changes to Enabled (or PendingImport)
 * after a few seconds" (as AWS answers in LocalStack's AWS-validated test_replicate_key snapshot
 * and the Developer Guide's ReplicateKey CloudTrail example). UpdatePrimaryRegion API reference:
 * the old and new primary are Updating until the update completes, then their original key
 * state (always Enabled: the operation needs both keys Enabled) is restored. The end is a date
 * on the lifecycle clock, settled by the first call that loads the key after it (as imported
 * material expires), so tests move the clock instead of waiting.
 */
// Unverified: AWS's durations ("a few seconds"; no figure is documented).
export const REPLICA_CREATING_MS = 3_000;
export const PRIMARY_REGION_UPDATING_MS = 3_000;

export const creatingUntil = (now: Date): KeyLifecycle => ({ state: 'Creating', until: new Date(now.getTime() + REPLICA_CREATING_MS) });
export const updatingUntil = (now: Date): KeyLifecycle => ({ state: 'Updating', until: new Date(now.getTime() + PRIMARY_REGION_UPDATING_MS) });

/** The key with its transient state ended, or undefined when it is not in one that is over. */
function settled(key: KmsKey, now: Date): KmsKey | undefined {
  const l = key.lifecycle;
  if (!('until' in l) || l.until.getTime() > now.getTime()) return undefined;
  if (l.state === 'Creating') {
    // An EXTERNAL replica waits for the primary's key material to be imported.
    return { ...key, lifecycle: { state: key.origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled' } };
  }
  return { ...key, lifecycle: { state: 'Enabled' } };
}

/** Ends the key's transient state if it is over. Returns the key as it is now. */
export async function settleTransientState(keys: KeyStore, key: KmsKey, now: Date): Promise<KmsKey> {
  const done = settled(key, now);
  if (!done) return key;
  await keys.update(done);
  return done;
}
