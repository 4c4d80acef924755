import type { KmsKey } from '../../domain/key.js';
import { KEY_SPECS } from '../../domain/key-specs.js';

/** DescribeKey's KeyMetadata, as AWS fills it for a key of this kind. */
export function keyMetadata(key: KmsKey): Record<string, unknown> {
  const l = key.lifecycle;
  const spec = KEY_SPECS[key.keySpec];
  return {
    AWSAccountId: key.account,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.creationDate,
    Enabled: l.state === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: l.state,
    DeletionDate: l.state === 'PendingDeletion' ? l.deletionDate : undefined,
    PendingDeletionWindowInDays: l.state === 'PendingDeletion' ? l.pendingWindowInDays : undefined,
    Origin: key.origin,
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    EncryptionAlgorithms: key.keyUsage === 'ENCRYPT_DECRYPT' ? spec?.encryptionAlgorithms : undefined,
    MultiRegion: key.multiRegion,
    CurrentKeyMaterialId: key.currentKeyMaterialId,
  };
}
