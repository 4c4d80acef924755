import { DeleteConflict } from '../../errors/aws-error.js';
import { authorizeIam } from './authorize.js';
import { requireRole, roleResource } from './entities.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { roleNameRule } from './query-input.js';

/** IAM API Reference, "DeleteRole": attached and inline policies must be removed first (DeleteConflict). */
export const deleteRole: QueryOperation = async (input, ctx, deps) => {
  const roleName = input.string('RoleName', roleNameRule);
  await authorizeIam(deps, ctx, 'DeleteRole', (await roleResource(deps, ctx, roleName)).arn);
  const role = await requireRole(deps, ctx, roleName);
  const iam = deps.store.iam;
  if ((await iam.listAttachedPolicies(ctx.account, 'role', role.roleName)).length > 0) {
    throw DeleteConflict('Cannot delete entity, must detach all policies first.');
  }
  if ((await iam.listInlinePolicies(ctx.account, 'role', role.roleName)).length > 0) {
    throw DeleteConflict('Cannot delete entity, must delete policies first.');
  }
  await iam.deleteRole(ctx.account, role.roleName);
  return undefined;
};

export const DeleteRole = defineQueryOperation({ service: 'iam', name: 'DeleteRole', readOnly: false, handler: deleteRole });
