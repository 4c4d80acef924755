/** The KMS key: the logical key (id, ARN, policy, state). Its secret bytes are key material. */
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT' | 'ENCAPSULATE_DECAPSULATE';
export type KeyManager = 'CUSTOMER' | 'AWS';
export type Origin = 'AWS_KMS' | 'EXTERNAL' | 'AWS_CLOUDHSM' | 'EXTERNAL_KEY_STORE';

/** Key state as a typed union: data that only makes sense in one state lives in that state. */
export type KeyLifecycle =
  | { state: 'Enabled' }
  | { state: 'Disabled' }
  | { state: 'PendingDeletion'; deletionDate: Date; pendingWindowInDays: number }
  /** A Multi-Region primary scheduled for deletion while replicas remain: its waiting period starts when the last replica is deleted. */
  | { state: 'PendingReplicaDeletion'; pendingWindowInDays: number }
  | { state: 'PendingImport' }
  | { state: 'Unavailable' }
  /** A new Multi-Region replica, usable once `until` has passed (ReplicateKey API reference: "after a few seconds"). */
  | { state: 'Creating'; until: Date }
  /** Primary and replicas while UpdatePrimaryRegion completes; Enabled again once `until` has passed. */
  | { state: 'Updating'; until: Date };

export type KeyState = KeyLifecycle['state'];

export interface KmsKey {
  account: string;
  region: string;
  keyId: string;
  arn: string;
  creationDate: Date;
  description: string;
  keyUsage: KeyUsage;
  keySpec: string;
  origin: Origin;
  keyManager: KeyManager;
  multiRegion: boolean;
  lifecycle: KeyLifecycle;
  /** The key policy document exactly as it was set (GetKeyPolicy returns it verbatim). */
  policy: string;
  /** Hex id of the key material new encryptions use; absent while an imported key has none. */
  currentKeyMaterialId?: string;
  /** Automatic rotation, when enabled. */
  rotation?: KeyRotationSchedule;
  /** The primary key's region, for a Multi-Region key (primary and replicas alike). */
  primaryRegion?: string;
}

export interface KeyRotationSchedule {
  periodInDays: number;
  nextRotationDate: Date;
}

export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';
export type ImportState = 'IMPORTED' | 'PENDING_IMPORT';
export type ExpirationModel = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';

/**
 * What is known about one key material besides its secret bytes: ListKeyRotations' entry.
 * CURRENT / NON_CURRENT is not stored; it follows from the key's currentKeyMaterialId.
 */
export interface KeyMaterialInfo {
  keyMaterialId: string;
  /** When the material was created or (for imported keys) first imported; RotationDate for rotations. */
  createdAt: Date;
  /** How it became current; absent for the key's first material. */
  rotationType?: RotationType;
  /** Imported (or re-importable) material waiting for RotateKeyOnDemand to become current. */
  pendingRotation?: boolean;
  /** EXTERNAL keys only. */
  importState?: ImportState;
  expirationModel?: ExpirationModel;
  validTo?: Date;
  description?: string;
}

/** Key material: one version of a key's secret bytes, stored only wrapped under the root key. */
export interface KeyMaterial {
  keyMaterialId: string;
  createdAt: Date;
  secret: Buffer;
}

export type Tags = Record<string, string>;

export interface KmsAlias {
  account: string;
  region: string;
  aliasName: string;
  targetKeyId: string;
  creationDate: Date;
  lastUpdatedDate: Date;
}
