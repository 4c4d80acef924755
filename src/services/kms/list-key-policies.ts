import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { DEFAULT_POLICY_NAME } from '../../domain/key-policy.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const listKeyPolicies: KmsHandler<'ListKeyPolicies'> = async (input, ctx, kms) => {
  await kms.resolveKey(ctx, input.KeyId, { op: ListKeyPolicies, input });
  return { PolicyNames: [DEFAULT_POLICY_NAME], Truncated: false };
};

export const ListKeyPolicies = defineOperation({
  facts: KMS_OPERATION_FACTS.ListKeyPolicies,
  aliases: false,
  readOnly: true,
  handler: listKeyPolicies,
});
