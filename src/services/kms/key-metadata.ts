import type { KeyMaterialInfo, KmsKey } from '../../domain/key.js';
import { KEY_SPECS } from '../../domain/key-specs.js';
import type { KeyStore } from '../../store/ports.js';
import type { KeyMetadata } from '../../model/kms-types.js';

/** The algorithm lists AWS shows for a key: only the list that belongs to its key usage. */
export function algorithmLists(key: KmsKey): Record<string, string[] | undefined> {
  const spec = KEY_SPECS[key.keySpec];
  return {
    EncryptionAlgorithms: key.keyUsage === 'ENCRYPT_DECRYPT' ? spec?.encryptionAlgorithms : undefined,
    SigningAlgorithms: key.keyUsage === 'SIGN_VERIFY' ? spec?.signingAlgorithms : undefined,
    MacAlgorithms: key.keyUsage === 'GENERATE_VERIFY_MAC' ? spec?.macAlgorithms : undefined,
    KeyAgreementAlgorithms: key.keyUsage === 'KEY_AGREEMENT' ? spec?.keyAgreementAlgorithms : undefined,
    EncapsulationAlgorithms: key.keyUsage === 'ENCAPSULATE_DECAPSULATE' ? spec?.encapsulationAlgorithms : undefined,
  };
}

/** What KeyMetadata shows beyond the key row: the current material (imported keys) and a Multi-Region key's regions. */
export interface KeyMetadataDetails {
  currentMaterial?: KeyMaterialInfo;
  /** Every region's copy of a Multi-Region key, the primary included. */
  regions?: KmsKey[];
}

/** Loads the details keyMetadata needs for this key. */
export async function keyMetadataDetails(keys: KeyStore, key: KmsKey): Promise<KeyMetadataDetails> {
  return {
    currentMaterial:
      key.origin === 'EXTERNAL' && key.currentKeyMaterialId !== undefined ? await keys.getMaterial(key, key.currentKeyMaterialId) : undefined,
    regions: key.multiRegion ? await keys.regionsOf(key.account, key.keyId) : undefined,
  };
}

function multiRegionConfiguration(key: KmsKey, regions: KmsKey[] = [key]) {
  const entry = (k: KmsKey) => ({ Arn: k.arn, Region: k.region });
  const primary = regions.find((k) => k.region === key.primaryRegion);
  return {
    MultiRegionKeyType: key.region === key.primaryRegion ? 'PRIMARY' : 'REPLICA',
    PrimaryKey: primary && entry(primary),
    ReplicaKeys: regions.filter((k) => k.region !== key.primaryRegion).map(entry),
  };
}

/** DescribeKey's KeyMetadata, as AWS fills it for a key of this kind. */
export function keyMetadata(key: KmsKey, details: KeyMetadataDetails = {}): KeyMetadata {
  const l = key.lifecycle;
  const material = details.currentMaterial;
  const external = key.origin === 'EXTERNAL';
  return {
    AWSAccountId: key.account,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.creationDate,
    Enabled: l.state === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: l.state,
    DeletionDate: 'deletionDate' in l ? l.deletionDate : undefined,
    // Only while a primary waits for its replicas; once PendingDeletion, DeletionDate shows instead
    // (KMS Developer Guide, "Deleting multi-Region keys", DescribeKey examples).
    PendingDeletionWindowInDays: l.state === 'PendingReplicaDeletion' ? l.pendingWindowInDays : undefined,
    ValidTo: external ? material?.validTo : undefined,
    Origin: key.origin,
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...algorithmLists(key),
    ExpirationModel: external && material?.importState === 'IMPORTED' ? material.expirationModel : undefined,
    MultiRegion: key.multiRegion,
    MultiRegionConfiguration: key.multiRegion ? multiRegionConfiguration(key, details.regions) : undefined,
    // "present for symmetric encryption keys with AWS_KMS or EXTERNAL origin" (KeyMetadata, API reference).
    CurrentKeyMaterialId: key.keySpec === 'SYMMETRIC_DEFAULT' ? key.currentKeyMaterialId : undefined,
  };
}
