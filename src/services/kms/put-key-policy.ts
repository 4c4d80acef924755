import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { DEFAULT_POLICY_NAME, LOCKOUT_MESSAGE, validateKeyPolicy } from '../../domain/key-policy.js';
import { MalformedPolicyDocumentException, NotFoundException } from '../../errors/aws-error.js';
import { changeKey } from './key-transaction.js';
import { bindKeyPolicy } from './key-policy-principals.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const putKeyPolicy: KmsHandler<'PutKeyPolicy'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: PutKeyPolicy, input });
  if ((input.PolicyName ?? DEFAULT_POLICY_NAME) !== DEFAULT_POLICY_NAME) throw NotFoundException('No such policy exists');
  validateKeyPolicy(input.Policy);
  const updated = { ...key, policy: await bindKeyPolicy(kms.store, input.Policy) };
  if (input.BypassPolicyLockoutSafetyCheck !== true && !(await kms.authorizer.allowsPolicyUpdate(ctx, updated, input))) {
    throw MalformedPolicyDocumentException(LOCKOUT_MESSAGE);
  }
  // Only the policy changes, on the key as committed now.
  await changeKey(kms, key, PutKeyPolicy, (fresh) => ({ ...fresh, policy: input.Policy }));
  return {};
};

export const PutKeyPolicy = defineOperation({
  facts: KMS_OPERATION_FACTS.PutKeyPolicy,
  aliases: false,
  readOnly: false,
  handler: putKeyPolicy,
});
