import { DEFAULT_POLICY_NAME } from '../../domain/key-policy.js';
import type { KmsOperation } from './operation.js';

export const listKeyPolicies: KmsOperation = async (input, ctx, kms) => {
  await kms.resolveKey(ctx, input.KeyId, { operation: 'ListKeyPolicies', aliases: false, input });
  return { PolicyNames: [DEFAULT_POLICY_NAME], Truncated: false };
};
