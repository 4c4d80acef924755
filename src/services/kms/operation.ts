import { DryRunOperationException } from '../../errors/aws-error.js';
import type { CallContext } from '../../domain/call-context.js';
import { keyStateRule, type KeyStateReading } from '../../domain/key-states.js';
import type { KeyStateCell, KeyStateColumn, KmsOperationFacts, KmsOperationName } from '../../model/kms-operation-facts.js';
import type { KmsOperationTypes } from '../../model/kms-types.js';
import type { KeyOperation, KmsInput } from './kms-core.js';
import type { OperationDescriptor } from '../operation-descriptor.js';
import type { InputReader } from '../../model/input-reader.js';
import { inputReader } from '../../model/shape-input.js';
import type { KmsService } from './kms-service.js';

export type { KmsInput } from './kms-core.js';

/** One KMS operation; the output is serialized against the model's output shape. */
export type KmsOutput = Record<string, unknown>;
export type KmsOperation<I = KmsInput, O = KmsOutput> = (input: I, ctx: CallContext, kms: KmsService) => Promise<O>;
/** The handler of one operation, typed by the model's request and response shapes (src/model/kms-types.ts). */
export type KmsHandler<N extends KmsOperationName> = KmsOperation<KmsOperationTypes[N]['input'], KmsOperationTypes[N]['output']>;

/** Everything about one KMS operation: the reference data's facts, the ones declared here, and its handler. */
export interface KmsOperationDescriptor extends KeyOperation, OperationDescriptor<KmsOperation> {
  readonly service: 'kms';
  /** The generated row (src/model/kms-operation-facts.ts) this descriptor is made from. */
  readonly facts: KmsOperationFacts;
  /** Grant constraints apply to it: its requests carry an encryption context. */
  readonly grantConstraint?: 'encryptionContext';
  /** The request takes DryRun (kms-service-2.json). */
  readonly dryRun: boolean;
  /** Validates and deserializes a parsed request body: the reader compiled from the model on first use. */
  readonly readInput: InputReader;
}

export interface OperationDeclaration<N extends KmsOperationName> {
  /** The operation's generated row: its name is checked against the model. */
  readonly facts: KmsOperationFacts & { readonly name: N };
  /**
   * The key-state row to read (default: the operation's own, when AWS's table has one) and how to
   * read its N/A and "?" cells.
   */
  readonly keyStates?: KeyStateReading & { row?: Readonly<Record<KeyStateColumn, KeyStateCell>> };
  /** Only for an operation kms-op-permissions.tsv does not list. */
  readonly crossAccount?: boolean;
  readonly aliases: boolean;
  readonly grantConstraint?: 'encryptionContext';
  readonly algorithmConditionKey?: 'kms:EncryptionAlgorithm';
  readonly readOnly: boolean;
  readonly handler: KmsHandler<N>;
}

/** One descriptor from the generated facts of an operation and what is declared beside its handler. */
export function defineOperation<N extends KmsOperationName>(d: OperationDeclaration<N>): KmsOperationDescriptor {
  const crossAccount = d.facts.crossAccount ?? d.crossAccount;
  if (crossAccount === undefined) throw new Error(`${d.facts.name}: crossAccount is not in kms-op-permissions.tsv; declare it`);
  if (d.facts.crossAccount !== undefined && d.crossAccount !== undefined) throw new Error(`${d.facts.name}: crossAccount comes from kms-op-permissions.tsv`);
  return Object.freeze({
    service: 'kms',
    name: d.facts.name,
    facts: d.facts,
    keyStates: keyStateRule(d.keyStates?.row ?? d.facts.keyStates, d.keyStates),
    crossAccount,
    aliases: d.aliases,
    grantConstraint: d.grantConstraint,
    algorithmConditionKey: d.algorithmConditionKey,
    readOnly: d.readOnly,
    dryRun: d.facts.dryRun,
    readInput: (body: unknown) => inputReader(d.facts.name)(body),
    // The protocol hands a handler only input its reader has validated against the request shape.
    handler: d.handler as unknown as KmsOperation,
  });
}

/** DryRun: every check has passed; report success without doing the work. */
export function stopIfDryRun(input: KmsInput): void {
  if (input.DryRun === true) throw DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
}
