import { kmsServiceEvent } from '../../audit/event-builder.js';
import type { Random } from '../../crypto/random.js';
import { KEY_MATERIAL_ID_BYTES } from '../../domain/ciphertext.js';
import type { KeyRotationSchedule, KmsKey, RotationType } from '../../domain/key.js';
import { KEY_SPECS } from '../../domain/key-specs.js';
import { LimitExceededException, UnsupportedOperationException } from '../../errors/aws-error.js';
import type { NewAuditEvent } from '../../store/audit-ports.js';
import type { KeyChange, StoredKeyMaterial } from '../../store/ports.js';
import { DAY_MS } from '../../util/clock.js';
import { changeKey, currentCopies, currentKey } from './key-transaction.js';
import { materialAad, type KeyOperation, type KmsCore, type ScheduleEnv } from './kms-core.js';

/**
 * Key rotation shared by EnableKeyRotation, DisableKeyRotation, RotateKeyOnDemand and the
 * automatic rotation task (AWS KMS Developer Guide, "Rotate AWS KMS keys"). A rotation adds a
 * key material and makes it current; earlier materials stay for decryption, since every
 * ciphertext names the material it was sealed with.
 */

/** RotationPeriodInDays when EnableKeyRotation leaves it out (EnableKeyRotation API reference). */
export const DEFAULT_ROTATION_PERIOD_DAYS = 365;

/**
 * On-demand rotations per key. The current Developer Guide ("Perform on-demand key rotation") and
 * the botocore model say 25; earlier versions of both (and kms-facts.md) said 10.
 */
export const ON_DEMAND_ROTATION_LIMIT = 25;

/** Only symmetric encryption keys rotate (EnableKeyRotation / RotateKeyOnDemand API reference). */
export const isSymmetricEncryptionKey = (key: KmsKey): boolean => key.keySpec === 'SYMMETRIC_DEFAULT' && key.keyUsage === 'ENCRYPT_DECRYPT';

/** A Multi-Region replica: its rotation follows the primary ("Rotating multi-Region keys"). */
export const isReplica = (key: KmsKey): boolean => key.multiRegion && key.primaryRegion !== undefined && key.region !== key.primaryRegion;

export const rotationSchedule = (periodInDays: number, from: Date): KeyRotationSchedule => ({
  periodInDays,
  nextRotationDate: new Date(from.getTime() + periodInDays * DAY_MS),
});

export const originExternal = (key: KmsKey) => UnsupportedOperationException(`${key.arn} origin is EXTERNAL which is not valid for this operation.`);

/**
 * What EnableKeyRotation, DisableKeyRotation and RotateKeyOnDemand refuse beyond the key-state
 * rules: keys that cannot rotate, AWS managed keys (rotated yearly, not configurable), replicas
 * (rotation is managed on the primary) and, for automatic rotation, imported key material.
 */
export function assertRotationManageable(key: KmsKey, automatic: boolean): void {
  // AWS answers asymmetric and HMAC keys with an empty message (terraform-aws-modules/terraform-aws-kms#20).
  if (!isSymmetricEncryptionKey(key)) throw UnsupportedOperationException();
  // Unverified: the message; AWS managed key policies do not allow these actions, so callers normally get AccessDeniedException first.
  if (key.keyManager === 'AWS') throw UnsupportedOperationException(`${key.arn} is an AWS managed key, whose rotation cannot be changed.`);
  if (automatic && key.origin === 'EXTERNAL') throw originExternal(key);
  // Unverified: the message AWS returns for a replica key.
  if (isReplica(key)) throw UnsupportedOperationException(`${key.arn} is not a multi-Region primary key.`);
}

/** The quota's refusal (text as LocalStack's KMS provider, which records AWS's answers). */
export const onDemandLimitExceeded = (key: KmsKey) =>
  LimitExceededException(`The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.arn}`);

/** Refuses a further on-demand rotation once the key has had ON_DEMAND_ROTATION_LIMIT of them. */
export function assertOnDemandQuota(key: KmsKey, materials: StoredKeyMaterial[]): void {
  if (materials.filter((m) => m.rotationType === 'ON_DEMAND').length >= ON_DEMAND_ROTATION_LIMIT) throw onDemandLimitExceeded(key);
}

/** Rotations of one key (all its regions) run one at a time in this process: their checks, RotateKey event and change. */
export const rotationLock = <T>(kms: KmsCore, key: Pick<KmsKey, 'account' | 'keyId'>, task: () => Promise<T>): Promise<T> =>
  kms.keyLocks.run(`rotation:${key.account}/${key.keyId}`, task);

/**
 * Sets the automatic rotation schedule on the key and, for a Multi-Region primary, on every
 * replica, as committed now (after `operation`'s key-state rule and the rotation checks on it).
 */
export async function setRotation(kms: KmsCore, key: KmsKey, rotation: KeyRotationSchedule | undefined, operation: KeyOperation): Promise<void> {
  await changeKey(kms, key, operation, (fresh, reads) => {
    assertRotationManageable(fresh, true);
    return currentCopies(reads, fresh).map((copy) => ({ key: { ...copy, rotation } }));
  });
}

const sameSchedule = (a: KeyRotationSchedule | undefined, b: KeyRotationSchedule | undefined) =>
  a?.periodInDays === b?.periodInDays && a?.nextRotationDate.getTime() === b?.nextRotationDate.getTime();

/**
 * Rotates to fresh key material: random bytes wrapped under the root key, bound to each region's
 * ARN. A Multi-Region key gets the same material in every region in one transaction, which reads
 * the key and its copies as committed then and changes only the current material — and, for
 * automatic rotation (`nextSchedule`), the schedule if it is still the one this rotation was due
 * under (an EnableKeyRotation or DisableKeyRotation since then stands). The change linearizes at
 * the checks made before `beforeApply` (the audit-first RotateKey event): a state change committed
 * while that event was written commutes with it. On-demand rotation checks its quota again in the
 * transaction, so it holds across processes. Returns the new key material id.
 */
export async function rotateKey(
  kms: KmsCore,
  key: KmsKey,
  type: RotationType,
  now: Date,
  random: Random,
  beforeApply?: (keyMaterialId: string) => Promise<void>,
  nextSchedule?: KeyRotationSchedule,
): Promise<string> {
  const keyMaterialId = random.bytes(KEY_MATERIAL_ID_BYTES).toString('hex');
  const secret = random.bytes(KEY_SPECS[key.keySpec]?.symmetricKeyBytes ?? 32);
  try {
    await beforeApply?.(keyMaterialId);
    await kms.store.keys.transact((reads) => {
      const fresh = currentKey(reads, key);
      if (type === 'ON_DEMAND') assertOnDemandQuota(fresh, reads.listMaterials(fresh));
      const rotation = nextSchedule && sameSchedule(fresh.rotation, key.rotation) ? nextSchedule : fresh.rotation;
      const changes: KeyChange[] = currentCopies(reads, fresh).map((copy) => ({
        key: { ...copy, currentKeyMaterialId: keyMaterialId, rotation },
        materials: [{ keyMaterialId, createdAt: now, rotationType: type, wrapped: kms.keyring.wrap(secret, materialAad(copy.arn, keyMaterialId)) }],
      }));
      return { changes, result: undefined };
    });
  } finally {
    secret.fill(0);
  }
  return keyMaterialId;
}

/** Imported material that RotateKeyOnDemand can make current: imported (not deleted) and pending rotation. */
const isPendingImport = (m: StoredKeyMaterial | undefined): m is StoredKeyMaterial => m?.pendingRotation === true && m.wrapped !== undefined;

/**
 * On-demand rotation of a key with imported material ("Importing key material", on-demand
 * rotation): the new material imported for it, in every region of a Multi-Region key, becomes
 * current — decided on the rows as committed now, within the on-demand quota. Returns its id, or
 * undefined when no region copy has such material to rotate to.
 */
export function rotateToImportedMaterial(kms: KmsCore, key: KmsKey, now: Date): Promise<string | undefined> {
  return kms.store.keys.transact((reads) => {
    const fresh = currentKey(reads, key);
    const materials = reads.listMaterials(fresh);
    const pending = materials.find(isPendingImport);
    if (!pending) return { changes: [], result: undefined };
    assertOnDemandQuota(fresh, materials);
    const changes: KeyChange[] = [];
    for (const copy of currentCopies(reads, fresh)) {
      const material = copy === fresh ? pending : reads.listMaterials(copy).find((m) => m.keyMaterialId === pending.keyMaterialId);
      if (!isPendingImport(material)) return { changes: [], result: undefined };
      changes.push({
        key: { ...copy, currentKeyMaterialId: pending.keyMaterialId },
        materials: [{ ...material, pendingRotation: undefined, rotationType: 'ON_DEMAND', createdAt: now }],
      });
    }
    return { changes, result: pending.keyMaterialId };
  });
}

/**
 * The AwsServiceEvent KMS records when it rotates a key (Developer Guide, CloudTrail "RotateKey":
 * serviceEventDetails with rotationType, keyOrigin and the previous and current material ids).
 */
export function rotateKeyEvent(key: KmsKey, type: RotationType, previous: string | undefined, current: string, time: Date, random: Random): NewAuditEvent {
  const details = { rotationType: type, keyOrigin: key.origin, previousKeyMaterialId: previous, currentKeyMaterialId: current };
  return kmsServiceEvent(key, 'RotateKey', time, random, null, { serviceEventDetails: details });
}

/**
 * The automatic rotation task: every Enabled key whose NextRotationDate has passed gets new
 * material (RotationType AUTOMATIC) and its next date is one period after this rotation. The RotateKey event
 * is committed first. Disabled and deleting keys wait: when such a key is enabled again past its
 * date, it rotates at the next run (GetKeyRotationStatus API reference, "Disabled"). A Multi-Region
 * key rotates from its primary; its replicas change in the same transaction.
 */
export async function rotateDueKeys(env: ScheduleEnv): Promise<number> {
  const { kms, clock, random } = env;
  const now = clock.now();
  let rotated = 0;
  for (const ref of await kms.store.keys.dueForRotation(now)) {
    // Checked and rotated under the key's rotation lock, so a run that overlaps another (or an on-demand rotation) sees its result.
    const done = await rotationLock(kms, ref, async () => {
      const key = await kms.store.keys.get(ref);
      if (!key?.rotation || key.rotation.nextRotationDate.getTime() > now.getTime()) return false;
      if (key.lifecycle.state !== 'Enabled' || isReplica(key) || !isSymmetricEncryptionKey(key) || key.origin !== 'AWS_KMS') return false;
      // The period counts from this rotation: an overdue key (enabled again after its date) rotates now "and every year thereafter".
      const next = rotationSchedule(key.rotation.periodInDays, now);
      await rotateKey(kms, key, 'AUTOMATIC', now, random, (id) => env.audit.record([rotateKeyEvent(key, 'AUTOMATIC', key.currentKeyMaterialId, id, now, random)]), next);
      return true;
    });
    if (done) rotated++;
  }
  return rotated;
}
