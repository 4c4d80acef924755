import { DryRunOperationException } from '../../errors/aws-error.js';
import type { CallContext } from '../call-context.js';
import type { KmsService } from './kms-service.js';

/**
 * One KMS operation. Input arrives validated against the model (blobs as Buffers, timestamps
 * as Dates); the output is serialized against the model's output shape.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KmsInput = Record<string, any>;
export type KmsOutput = Record<string, unknown>;
export type KmsOperation = (input: KmsInput, ctx: CallContext, kms: KmsService) => Promise<KmsOutput>;

/** DryRun: every check has passed; report success without doing the work. */
export function stopIfDryRun(input: KmsInput): void {
  if (input.DryRun === true) throw DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
}
