import { DisabledException, KMSInvalidStateException } from '../errors/aws-error.js';
import type { AwsError } from '../errors/aws-error.js';
import type { KeyState, KmsKey } from './key.js';
import type { KeyStateCell, KeyStateColumn } from '../model/kms-operation-facts.js';

/**
 * Which states an operation refuses, and with what error: kms-key-states.md (AWS KMS Developer
 * Guide, "Key states of AWS KMS keys"), one rule per operation descriptor.
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
/** The states an operation refuses, each with its error; a state not listed is accepted. */
export type KeyStateRule = Readonly<Partial<Record<KeyState, Refusal>>>;

export interface KeyStateReading {
  /** What an N/A cell means for this operation (default: accepted). */
  notApplicable?: 'accept' | 'refuse';
  /** What a "?" cell (the answer depends on the key) means for this operation (default: accepted). */
  depends?: 'accept' | 'refuse';
}

/**
 * The rule of one row of AWS's key-state table (kms-key-states.md, generated into
 * src/model/kms-operation-facts.ts); no row: every state is accepted.
 */
export function keyStateRule(row: Readonly<Record<KeyStateColumn, KeyStateCell>> | undefined, reading: KeyStateReading = {}): KeyStateRule {
  const rule: Partial<Record<KeyState, Refusal>> = {};
  if (!row) return rule;
  for (const [column, cell] of Object.entries(row) as [KeyStateColumn, KeyStateCell][]) {
    const refusal = refusalOf(cell, reading);
    if (!refusal) continue;
    rule[column] = refusal;
    // AWS's table has one column for PendingDeletion and PendingReplicaDeletion.
    if (column === 'PendingDeletion') rule.PendingReplicaDeletion = refusal;
  }
  return rule;
}

function refusalOf(cell: KeyStateCell, reading: KeyStateReading): Refusal | undefined {
  switch (cell) {
    case 'ok': return undefined;
    case 'disabled': return disabled;
    case 'invalid': return invalidState;
    case 'notPendingDeletion': return notPendingDeletion;
    case 'notApplicable': return reading.notApplicable === 'refuse' ? invalidState : undefined;
    case 'depends': return reading.depends === 'refuse' ? invalidState : undefined;
  }
}

function notPendingDeletion(key: KmsKey): AwsError {
  return KMSInvalidStateException(`${key.arn} is not pending deletion (or pending replica deletion).`);
}

/** Throws the operation's error when the key's state refuses it. */
export function assertKeyStateAllows(rule: KeyStateRule, key: KmsKey): void {
  const refuse = rule[key.lifecycle.state];
  if (refuse) throw refuse(key);
}
