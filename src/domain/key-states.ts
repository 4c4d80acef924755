import { DisabledException, KMSInvalidStateException } from '../errors/aws-error.js';
import type { AwsError } from '../errors/aws-error.js';
import type { KeyState, KmsKey } from './key.js';

/**
 * Which operations a key state refuses, and with what error: kms-key-states.md (AWS KMS
 * Developer Guide, "Key states of AWS KMS keys"). An operation not listed accepts every state.
 */
const STATE_WORDS: Record<KeyState, string> = {
  Enabled: 'enabled',
  Disabled: 'disabled',
  PendingDeletion: 'pending deletion',
  PendingReplicaDeletion: 'pending replica deletion',
  PendingImport: 'pending import',
  Unavailable: 'unavailable',
  // Unverified: AWS's words for the transient states (a provider checks for "is creating").
  Creating: 'creating',
  Updating: 'updating',
};

const invalidState = (key: KmsKey) => KMSInvalidStateException(`${key.arn} is ${STATE_WORDS[key.lifecycle.state]}.`);
const disabled = (key: KmsKey) => DisabledException(`${key.arn} is disabled.`);

type Refusal = (key: KmsKey) => AwsError;
type Rule = Partial<Record<KeyState, Refusal>>;

/** Cryptographic use: refused unless Enabled (or Updating, which keeps the keys usable). */
const USE: Rule = { Disabled: disabled, PendingDeletion: invalidState, PendingImport: invalidState, Unavailable: invalidState, Creating: invalidState };
/** Rotation settings: refused for disabled, deleting, not-yet-imported and still-creating keys. */
const ROTATION: Rule = { Disabled: disabled, PendingDeletion: invalidState, PendingImport: invalidState, Unavailable: invalidState, Creating: invalidState };
/** kms-key-states.md footnotes [14] (Creating) and [15] (Updating): KMSInvalidStateException. */
const NOT_WHILE_TRANSIENT: Rule = { Creating: invalidState, Updating: invalidState };
/** Management that a key pending deletion refuses. */
const MANAGE: Rule = { PendingDeletion: invalidState };

export const KEY_STATE_RULES: Record<string, Rule> = {
  Encrypt: USE,
  Decrypt: USE,
  ReEncrypt: USE,
  GenerateDataKey: USE,
  GenerateDataKeyWithoutPlaintext: USE,
  GenerateDataKeyPair: USE,
  GenerateDataKeyPairWithoutPlaintext: USE,
  Sign: USE,
  Verify: USE,
  GetPublicKey: USE,
  GenerateMac: USE,
  VerifyMac: USE,
  // Not in AWS's key-state table; a cryptographic use like the others.
  DeriveSharedSecret: USE,
  // Not in AWS's key-state table (kms-key-states.md predates them); cryptographic uses like the others.
  Encapsulate: USE,
  Decapsulate: USE,
  // Unavailable keys accept CreateGrant (kms-key-states.md).
  CreateGrant: { Disabled: disabled, PendingDeletion: invalidState, PendingImport: invalidState, Creating: invalidState },
  CreateAlias: MANAGE,
  TagResource: MANAGE,
  UntagResource: MANAGE,
  UpdateKeyDescription: MANAGE,
  UpdateAlias: MANAGE,
  ScheduleKeyDeletion: { ...MANAGE, Updating: invalidState },
  EnableKey: { PendingDeletion: invalidState, PendingImport: invalidState, ...NOT_WHILE_TRANSIENT },
  DisableKey: { PendingDeletion: invalidState, PendingImport: invalidState, ...NOT_WHILE_TRANSIENT },
  EnableKeyRotation: ROTATION,
  DisableKeyRotation: ROTATION,
  // Not in AWS's key-state table; the model lists DisabledException and KMSInvalidStateException.
  RotateKeyOnDemand: ROTATION,
  GetKeyRotationStatus: { PendingImport: invalidState, Unavailable: invalidState },
  GetParametersForImport: { PendingDeletion: invalidState, Unavailable: invalidState, ...NOT_WHILE_TRANSIENT },
  DeleteImportedKeyMaterial: NOT_WHILE_TRANSIENT,
  ImportKeyMaterial: { PendingDeletion: invalidState, Unavailable: invalidState, Creating: invalidState },
  ReplicateKey: { Disabled: disabled, PendingDeletion: invalidState, PendingImport: invalidState, ...NOT_WHILE_TRANSIENT },
  UpdatePrimaryRegion: { Disabled: disabled, PendingDeletion: invalidState, PendingImport: invalidState, Creating: invalidState },
  CancelKeyDeletion: {
    Enabled: notPendingDeletion,
    Disabled: notPendingDeletion,
    PendingImport: notPendingDeletion,
    Unavailable: notPendingDeletion,
    Creating: notPendingDeletion,
    Updating: notPendingDeletion,
  },
};

function notPendingDeletion(key: KmsKey): AwsError {
  return KMSInvalidStateException(`${key.arn} is not pending deletion (or pending replica deletion).`);
}

/** Throws the operation's error when the key's state refuses it. */
export function assertKeyStateAllows(operation: string, key: KmsKey): void {
  const rule = KEY_STATE_RULES[operation];
  const state = key.lifecycle.state;
  // AWS's table has one column for PendingDeletion and PendingReplicaDeletion.
  const refuse = rule?.[state] ?? (state === 'PendingReplicaDeletion' ? rule?.PendingDeletion : undefined);
  if (refuse) throw refuse(key);
}
