import { DEFAULT_POLICY_NAME, validateKeyPolicy } from '../../domain/key-policy.js';
import { NotFoundException } from '../../protocols/errors.js';
import type { KmsOperation } from './operation.js';

export const putKeyPolicy: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'PutKeyPolicy', aliases: false });
  if ((input.PolicyName ?? DEFAULT_POLICY_NAME) !== DEFAULT_POLICY_NAME) throw NotFoundException('No such policy exists');
  validateKeyPolicy(input.Policy);
  await kms.store.keys.update({ ...key, policy: input.Policy });
  return {};
};
