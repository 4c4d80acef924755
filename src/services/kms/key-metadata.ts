import type { KmsKey } from '../../domain/key.js';
import { KEY_SPECS } from '../../domain/key-specs.js';

/** The algorithm lists AWS shows for a key: only the list that belongs to its key usage. */
export function algorithmLists(key: KmsKey): Record<string, string[] | undefined> {
  const spec = KEY_SPECS[key.keySpec];
  return {
    EncryptionAlgorithms: key.keyUsage === 'ENCRYPT_DECRYPT' ? spec?.encryptionAlgorithms : undefined,
    SigningAlgorithms: key.keyUsage === 'SIGN_VERIFY' ? spec?.signingAlgorithms : undefined,
    MacAlgorithms: key.keyUsage === 'GENERATE_VERIFY_MAC' ? spec?.macAlgorithms : undefined,
    KeyAgreementAlgorithms: key.keyUsage === 'KEY_AGREEMENT' ? spec?.keyAgreementAlgorithms : undefined,
  };
}

/** DescribeKey's KeyMetadata, as AWS fills it for a key of this kind. */
export function keyMetadata(key: KmsKey): Record<string, unknown> {
  const l = key.lifecycle;
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
    ...algorithmLists(key),
    MultiRegion: key.multiRegion,
    CurrentKeyMaterialId: key.currentKeyMaterialId,
  };
}
