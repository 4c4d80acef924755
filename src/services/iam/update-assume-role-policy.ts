import { authorizeIam } from './authorize.js';
import { requireRole, roleResource } from './entities.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { validateTrustPolicy } from './policy-documents.js';
import { documentRule, roleNameRule } from './query-input.js';

/** IAM API Reference, "UpdateAssumeRolePolicy": replaces the role's trust policy. */
export const updateAssumeRolePolicy: QueryOperation = async (input, ctx, deps) => {
  const roleName = input.string('RoleName', roleNameRule);
  const document = input.string('PolicyDocument', documentRule);
  await authorizeIam(deps, ctx, 'UpdateAssumeRolePolicy', (await roleResource(deps, ctx, roleName)).arn);
  const role = await requireRole(deps, ctx, roleName);
  const bound = await validateTrustPolicy(deps.store, document);
  await deps.store.iam.updateAssumeRolePolicy(ctx.account, role.roleName, bound);
  return undefined;
};

export const UpdateAssumeRolePolicy = defineQueryOperation({ service: 'iam', name: 'UpdateAssumeRolePolicy', readOnly: false, handler: updateAssumeRolePolicy });
