import type { KmsOperation, KmsOperationDescriptor } from './operation.js';
import { CancelKeyDeletion } from './cancel-key-deletion.js';
import { CreateAlias } from './create-alias.js';
import { CreateGrant } from './create-grant.js';
import { CreateKey } from './create-key.js';
import {
  ConnectCustomKeyStore,
  CreateCustomKeyStore,
  DeleteCustomKeyStore,
  DescribeCustomKeyStores,
  DisconnectCustomKeyStore,
  UpdateCustomKeyStore,
} from './custom-key-stores.js';
import { Decapsulate } from './decapsulate.js';
import { Decrypt } from './decrypt.js';
import { DeleteAlias } from './delete-alias.js';
import { DeleteImportedKeyMaterial } from './delete-imported-key-material.js';
import { DeriveSharedSecret } from './derive-shared-secret.js';
import { DescribeKey } from './describe-key.js';
import { DisableKey } from './disable-key.js';
import { DisableKeyRotation } from './disable-key-rotation.js';
import { EnableKey } from './enable-key.js';
import { EnableKeyRotation } from './enable-key-rotation.js';
import { Encapsulate } from './encapsulate.js';
import { Encrypt } from './encrypt.js';
import { GenerateDataKey } from './generate-data-key.js';
import { GenerateDataKeyPair } from './generate-data-key-pair.js';
import { GenerateDataKeyPairWithoutPlaintext } from './generate-data-key-pair-without-plaintext.js';
import { GenerateDataKeyWithoutPlaintext } from './generate-data-key-without-plaintext.js';
import { GenerateMac } from './generate-mac.js';
import { GenerateRandom } from './generate-random.js';
import { GetKeyLastUsage } from './get-key-last-usage.js';
import { GetKeyPolicy } from './get-key-policy.js';
import { GetKeyRotationStatus } from './get-key-rotation-status.js';
import { GetParametersForImport } from './get-parameters-for-import.js';
import { GetPublicKey } from './get-public-key.js';
import { ImportKeyMaterial } from './import-key-material.js';
import { ListAliases } from './list-aliases.js';
import { ListGrants } from './list-grants.js';
import { ListKeyPolicies } from './list-key-policies.js';
import { ListKeyRotations } from './list-key-rotations.js';
import { ListKeys } from './list-keys.js';
import { ListResourceTags } from './list-resource-tags.js';
import { ListRetirableGrants } from './list-retirable-grants.js';
import { PutKeyPolicy } from './put-key-policy.js';
import { ReEncrypt } from './re-encrypt.js';
import { ReplicateKey } from './replicate-key.js';
import { RetireGrant } from './retire-grant.js';
import { RevokeGrant } from './revoke-grant.js';
import { RotateKeyOnDemand } from './rotate-key-on-demand.js';
import { ScheduleKeyDeletion } from './schedule-key-deletion.js';
import { Sign } from './sign.js';
import { TagResource } from './tag-resource.js';
import { UntagResource } from './untag-resource.js';
import { UpdateAlias } from './update-alias.js';
import { UpdateKeyDescription } from './update-key-description.js';
import { UpdatePrimaryRegion } from './update-primary-region.js';
import { Verify } from './verify.js';
import { VerifyMac } from './verify-mac.js';

/** The KMS operations Locksmith implements: one descriptor each (facts and handler, beside the handler). */
export const KMS_OPERATION_DESCRIPTORS: readonly KmsOperationDescriptor[] = [
  CancelKeyDeletion,
  ConnectCustomKeyStore,
  CreateAlias,
  CreateCustomKeyStore,
  CreateGrant,
  CreateKey,
  Decapsulate,
  Decrypt,
  DeleteAlias,
  DeleteCustomKeyStore,
  DeleteImportedKeyMaterial,
  DeriveSharedSecret,
  DescribeCustomKeyStores,
  DescribeKey,
  DisableKey,
  DisableKeyRotation,
  DisconnectCustomKeyStore,
  EnableKey,
  EnableKeyRotation,
  Encapsulate,
  Encrypt,
  GenerateDataKey,
  GenerateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext,
  GenerateDataKeyWithoutPlaintext,
  GenerateMac,
  GenerateRandom,
  GetKeyLastUsage,
  GetKeyPolicy,
  GetKeyRotationStatus,
  GetParametersForImport,
  GetPublicKey,
  ImportKeyMaterial,
  ListAliases,
  ListGrants,
  ListKeyPolicies,
  ListKeyRotations,
  ListKeys,
  ListResourceTags,
  ListRetirableGrants,
  PutKeyPolicy,
  ReEncrypt,
  ReplicateKey,
  RetireGrant,
  RevokeGrant,
  RotateKeyOnDemand,
  ScheduleKeyDeletion,
  Sign,
  TagResource,
  UntagResource,
  UpdateAlias,
  UpdateCustomKeyStore,
  UpdateKeyDescription,
  UpdatePrimaryRegion,
  Verify,
  VerifyMac,
];

/** The descriptors by their AWS names. */
export const KMS_DESCRIPTOR_BY_NAME: ReadonlyMap<string, KmsOperationDescriptor> = new Map(KMS_OPERATION_DESCRIPTORS.map((d) => [d.name, d]));

/** The handlers by their AWS names (what the awsJson protocol and the tests look up). */
export const KMS_OPERATIONS: Readonly<Record<string, KmsOperation>> = Object.fromEntries(KMS_OPERATION_DESCRIPTORS.map((d) => [d.name, d.handler]));

/** The descriptor of a permission: the operation's own, ReEncrypt's for kms:ReEncryptFrom and kms:ReEncryptTo. */
export function descriptorForPermission(action: string): KmsOperationDescriptor | undefined {
  return KMS_DESCRIPTOR_BY_NAME.get(action) ?? (action === 'ReEncryptFrom' || action === 'ReEncryptTo' ? KMS_DESCRIPTOR_BY_NAME.get('ReEncrypt') : undefined);
}
