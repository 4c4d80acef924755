import { DryRunOperationException } from '../../errors/aws-error.js';
import type { CallContext } from '../../domain/call-context.js';
import type { KmsInput } from './kms-core.js';
import type { KmsService } from './kms-service.js';

export type { KmsInput } from './kms-core.js';

/** One KMS operation; the output is serialized against the model's output shape. */
export type KmsOutput = Record<string, unknown>;
export type KmsOperation = (input: KmsInput, ctx: CallContext, kms: KmsService) => Promise<KmsOutput>;

/** DryRun: every check has passed; report success without doing the work. */
export function stopIfDryRun(input: KmsInput): void {
  if (input.DryRun === true) throw DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
}
