import { DeleteConflict } from '../../errors/aws-error.js';
import { authorizeIam } from './authorize.js';
import { requireUser, userResource } from './entities.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { existingUserNameRule } from './query-input.js';

/**
 * IAM API Reference, "DeleteUser": a user with attached or inline policies or access keys is a
 * DeleteConflict ("you must delete the items attached to the user manually").
 */
export const deleteUser: QueryOperation = async (input, ctx, deps) => {
  const userName = input.string('UserName', existingUserNameRule);
  await authorizeIam(deps, ctx, 'DeleteUser', (await userResource(deps, ctx, userName)).arn);
  const user = await requireUser(deps, ctx, userName);
  const iam = deps.store.iam;
  if ((await iam.listAttachedPolicies(ctx.account, 'user', user.userName)).length > 0) {
    throw DeleteConflict('Cannot delete entity, must detach all policies first.');
  }
  if ((await iam.listInlinePolicies(ctx.account, 'user', user.userName)).length > 0) {
    throw DeleteConflict('Cannot delete entity, must delete policies first.');
  }
  const keys = await deps.store.credentials.listAccessKeys(ctx.account);
  if (keys.some((k) => k.principalType === 'IAMUser' && k.principalId === user.userId)) {
    throw DeleteConflict('Cannot delete entity, must delete access keys first.');
  }
  await iam.deleteUser(ctx.account, user.userName);
  return undefined;
};

export const DeleteUser = defineQueryOperation({ service: 'iam', name: 'DeleteUser', readOnly: false, handler: deleteUser });
