import { descriptorForPermission } from '../../../src/services/kms/operations.js';

/** What the KMS authorizer takes from an operation's descriptor, for tests that call it with a permission name. */
export function permissionFacts(action: string): { crossAccount: boolean; algorithmConditionKey: 'kms:EncryptionAlgorithm' | undefined } {
  const d = descriptorForPermission(action);
  if (!d) throw new Error(`no KMS operation for the permission ${action}`);
  return { crossAccount: d.crossAccount, algorithmConditionKey: d.algorithmConditionKey };
}
