import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { DEFAULT_POLICY_NAME } from '../../domain/key-policy.js';
import { NotFoundException } from '../../errors/aws-error.js';
import { displayKeyPolicy } from './key-policy-principals.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const getKeyPolicy: KmsHandler<'GetKeyPolicy'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: GetKeyPolicy, input });
  const name: string = input.PolicyName ?? DEFAULT_POLICY_NAME;
  if (name !== DEFAULT_POLICY_NAME) throw NotFoundException('No such policy exists');
  return { Policy: await displayKeyPolicy(kms.store, key.policy), PolicyName: DEFAULT_POLICY_NAME };
};

export const GetKeyPolicy = defineOperation({
  facts: KMS_OPERATION_FACTS.GetKeyPolicy,
  aliases: false,
  readOnly: true,
  handler: getKeyPolicy,
});
