import { DeleteConflict } from '../../errors/aws-error.js';
import { requirePolicy } from './attached-policies.js';
import { authorizeIam } from './authorize.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { arnRule } from './query-input.js';

/** IAM API Reference, "DeletePolicy": the policy must first be detached from every user and role. */
export const deletePolicy: QueryOperation = async (input, ctx, deps) => {
  const arn = input.string('PolicyArn', arnRule);
  await authorizeIam(deps, ctx, 'DeletePolicy', arn);
  await requirePolicy(deps, ctx, arn);
  if ((await deps.store.iam.attachmentCount(arn)) > 0) throw DeleteConflict('Cannot delete a policy attached to entities.');
  await deps.store.iam.deletePolicy(arn);
  return undefined;
};

export const DeletePolicy = defineQueryOperation({ service: 'iam', name: 'DeletePolicy', readOnly: false, handler: deletePolicy });
