import { DisabledException, KMSInvalidStateException } from '../protocols/errors.js';
import type { AwsError } from '../protocols/errors.js';
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
};

const invalidState = (key: KmsKey) => KMSInvalidStateException(`${key.arn} is ${STATE_WORDS[key.lifecycle.state]}.`);
const disabled = (key: KmsKey) => DisabledException(`${key.arn} is disabled.`);

type Refusal = (key: KmsKey) => AwsError;
type Rule = Partial<Record<KeyState, Refusal>>;

/** Cryptographic use: refused unless Enabled. */
const USE: Rule = { Disabled: disabled, PendingDeletion: invalidState, PendingImport: invalidState, Unavailable: invalidState };
/** Rotation settings: refused for disabled, deleting and not-yet-imported keys. */
const ROTATION: Rule = { Disabled: disabled, PendingDeletion: invalidState, PendingImport: invalidState, Unavailable: invalidState };
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
  CreateGrant: { Disabled: disabled, PendingDeletion: invalidState, PendingImport: invalidState },
  CreateAlias: MANAGE,
  TagResource: MANAGE,
  UntagResource: MANAGE,
  UpdateKeyDescription: MANAGE,
  UpdateAlias: MANAGE,
  ScheduleKeyDeletion: MANAGE,
  EnableKey: { PendingDeletion: invalidState, PendingImport: invalidState },
  DisableKey: { PendingDeletion: invalidState, PendingImport: invalidState },
  EnableKeyRotation: ROTATION,
  DisableKeyRotation: ROTATION,
  // Not in AWS's key-state table; the model lists DisabledException and KMSInvalidStateException.
  RotateKeyOnDemand: ROTATION,
  GetKeyRotationStatus: { PendingImport: invalidState, Unavailable: invalidState },
  GetParametersForImport: { PendingDeletion: invalidState, Unavailable: invalidState },
  ImportKeyMaterial: { PendingDeletion: invalidState, Unavailable: invalidState },
  ReplicateKey: { Disabled: disabled, PendingDeletion: invalidState, PendingImport: invalidState },
  UpdatePrimaryRegion: { Disabled: disabled, PendingDeletion: invalidState, PendingImport: invalidState },
  CancelKeyDeletion: {
    Enabled: notPendingDeletion,
    Disabled: notPendingDeletion,
    PendingImport: notPendingDeletion,
    Unavailable: notPendingDeletion,
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
