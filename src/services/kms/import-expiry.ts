import { kmsServiceEvent } from '../../audit/event-builder.js';
import type { AuditRecorder } from '../../audit/recorder.js';
import type { Random } from '../../crypto/random.js';
import type { KeyRef, KeyStore } from '../../store/ports.js';
import { lifecycleAfterImportChange, mergeMaterials, withoutMaterial } from './imported-material.js';
import type { ScheduleEnv } from './kms-core.js';

/**
 * Deletes imported key material whose ValidTo has passed ("When the key material expires, KMS
 * deletes the key material"): its wrapped bytes go, its metadata and fingerprint stay so the same
 * material can be imported again. When that leaves a permanently associated material missing the
 * key goes to PendingImport. The AwsServiceEvent DeleteExpiredKeyMaterial (KMS Developer Guide,
 * "DeleteExpiredKeyMaterial") is recorded first; if it cannot be, nothing changes.
 * Returns whether the key changed.
 */
export function expireKeyMaterial(keys: KeyStore, audit: Pick<AuditRecorder, 'record'>, random: Random, ref: KeyRef, now: Date): Promise<boolean> {
  // Calls that find the same key due at once (requests, the schedule) share one expiry and one event.
  const id = `${ref.account}/${ref.region}/${ref.keyId}`;
  let inFlight = inFlightByStore.get(keys);
  if (!inFlight) inFlightByStore.set(keys, (inFlight = new Map()));
  let running = inFlight.get(id);
  if (!running) {
    running = expire(keys, audit, random, ref, now).finally(() => inFlight.delete(id));
    inFlight.set(id, running);
  }
  return running;
}

/** Expiries in flight, per key store: two servers in one process never share one. */
const inFlightByStore = new WeakMap<KeyStore, Map<string, Promise<boolean>>>();

async function expire(keys: KeyStore, audit: Pick<AuditRecorder, 'record'>, random: Random, ref: KeyRef, now: Date): Promise<boolean> {
  const key = await keys.get(ref);
  if (!key) return false;
  const materials = await keys.listMaterials(ref);
  const expired = materials.filter((m) => m.wrapped !== undefined && m.validTo !== undefined && m.validTo.getTime() <= now.getTime());
  if (expired.length === 0) return false;
  await audit.record([kmsServiceEvent(ref, 'DeleteExpiredKeyMaterial', now, random, null, { serviceEventDetails: { keyId: ref.keyId } })]);
  // Written on the key and its materials as committed now (issue 11, finding 2): only what is still due goes.
  return keys.transact((reads) => {
    const fresh = reads.get(ref);
    if (!fresh) return { changes: [], result: false };
    const current = reads.listMaterials(ref);
    const rows = current.filter((m) => m.wrapped !== undefined && m.validTo !== undefined && m.validTo.getTime() <= now.getTime()).map(withoutMaterial);
    if (rows.length === 0) return { changes: [], result: false };
    return { changes: [{ key: { ...fresh, lifecycle: lifecycleAfterImportChange(fresh, mergeMaterials(current, rows)) }, materials: rows }], result: true };
  });
}

/** Scheduled task: every key with imported material due to expire. Returns how many keys it changed. */
export async function expireImportedMaterial(env: ScheduleEnv): Promise<number> {
  const keys = env.kms.store.keys;
  const now = env.clock.now();
  let changed = 0;
  for (const ref of await keys.dueForExpiry(now)) if (await expireKeyMaterial(keys, env.audit, env.random, ref, now)) changed++;
  return changed;
}
