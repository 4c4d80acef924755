import { authorizeIam } from './authorize.js';
import { requireRole, roleResource, roleXml } from './entities.js';
import { tagsXml } from './identity-tags.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { roleForDisplay } from './policy-documents.js';
import { roleNameRule } from './query-input.js';

/** IAM API Reference, "GetRole": the trust policy URL-encoded, RoleLastUsed present (empty: Locksmith does not track use), Tags when any. */
export const getRole: QueryOperation = async (input, ctx, deps) => {
  const roleName = input.string('RoleName', roleNameRule);
  await authorizeIam(deps, ctx, 'GetRole', (await roleResource(deps, ctx, roleName)).arn);
  const role = await requireRole(deps, ctx, roleName);
  const tags = tagsXml(await deps.store.iam.getTags(ctx.account, 'role', role.roleName));
  return { Role: roleXml(await roleForDisplay(deps.store, role), { lastUsed: true, tags }) };
};

export const GetRole = defineQueryOperation({ service: 'iam', name: 'GetRole', readOnly: true, handler: getRole });
