import { kmsServiceEvent } from '../../audit/event-builder.js';
import { lifecycleAfterImportChange, mergeMaterials, withoutMaterial } from './imported-material.js';
import type { ScheduleEnv } from './key-scheduler.js';

/**
 * Deletes imported key material whose ValidTo has passed ("When the key material expires, KMS
 * deletes the key material"): its wrapped bytes go, its metadata and fingerprint stay so the same
 * material can be imported again. When that leaves a permanently associated material missing the
 * key goes to PendingImport. The AwsServiceEvent DeleteExpiredKeyMaterial (KMS Developer Guide,
 * "DeleteExpiredKeyMaterial") is recorded first; if it cannot be, nothing changes until the next run.
 * Returns how many keys it changed.
 */
export async function expireImportedMaterial(env: ScheduleEnv): Promise<number> {
  const keys = env.kms.store.keys;
  const now = env.clock.now();
  let changed = 0;
  for (const ref of await keys.dueForExpiry(now)) {
    const key = await keys.get(ref);
    if (!key) continue;
    const materials = await keys.listMaterials(ref);
    const expired = materials.filter((m) => m.wrapped !== undefined && m.validTo !== undefined && m.validTo.getTime() <= now.getTime());
    if (expired.length === 0) continue;
    await env.audit.record([kmsServiceEvent(ref, 'DeleteExpiredKeyMaterial', now, env.random, null, { serviceEventDetails: { keyId: ref.keyId } })]);
    const rows = expired.map(withoutMaterial);
    await keys.apply([{ key: { ...key, lifecycle: lifecycleAfterImportChange(key, mergeMaterials(materials, rows)) }, materials: rows }]);
    changed++;
  }
  return changed;
}
