import type { AuditRecorder } from '../../audit/recorder.js';
import type { KmsKey } from '../../domain/key.js';
import type { KeyStateRule } from '../../domain/key-states.js';
import type { Random } from '../../crypto/random.js';
import type { RootKeyring } from '../../crypto/root-keyring.js';
import type { Store } from '../../store/ports.js';
import type { Clock } from '../../util/clock.js';
import type { KeyedMutex } from '../../util/keyed-mutex.js';

/**
 * What the KMS helpers (rotation, key transactions, AWS managed keys, RSA encryption, the key
 * schedule) need of the KMS service. KmsService implements it; the helpers take this interface, not
 * the class, so the service and the helpers it calls import each other in one direction only.
 */
export interface KmsCore {
  readonly store: Store;
  readonly keyring: RootKeyring;
  /** Per-key serialization in this process of work that must check, record and then change (rotation). */
  readonly keyLocks: KeyedMutex;
  /** The current material in plaintext: PKCS#8 private key of a key pair, HMAC key bytes. The caller wipes it. */
  currentMaterial(key: KmsKey): Promise<Buffer>;
}

/**
 * One KMS operation's input. Input arrives validated against the model (blobs as Buffers,
 * timestamps as Dates).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KmsInput = Record<string, any>;

/**
 * The facts of an operation that key resolution, key-state rules and authorization read: the
 * part of its descriptor (operation.ts) the KMS service and its helpers see.
 */
export interface KeyOperation {
  readonly name: string;
  /** The states of its key it refuses, with their errors (kms-key-states.md). */
  readonly keyStates: KeyStateRule;
  /** Accepts a key of another account (kms-op-permissions.tsv "cross_account"). */
  readonly crossAccount: boolean;
  /** Alias names and alias ARNs identify the key (the cryptographic operations and DescribeKey). */
  readonly aliases: boolean;
  /** The request sets this condition key (kms:EncryptionAlgorithm, defaulting to SYMMETRIC_DEFAULT). */
  readonly algorithmConditionKey?: 'kms:EncryptionAlgorithm';
}

/** AAD that binds wrapped key material to the key and material it belongs to. */
export const materialAad = (arn: string, keyMaterialId: string) => `locksmith:key-material:v1:${arn}:${keyMaterialId}`;

/** What the key schedule's tasks work with. */
export interface ScheduleEnv {
  kms: KmsCore;
  audit: AuditRecorder;
  clock: Clock;
  random: Random;
}
