import type { IdentityKind } from '../../store/iam-ports.js';
import type { CallContext } from '../../domain/call-context.js';
import { requireRole, requireUser, roleResource, userResource } from './entities.js';
import type { QueryServiceDeps } from './operation.js';
import { roleNameRule, existingUserNameRule, type RequiredRule } from './query-input.js';

/** What differs between the user and the role forms of the inline/attached policy actions. */
export interface IdentitySide {
  kind: IdentityKind;
  /** `User` / `Role`: action names are `iam:Put${noun}Policy` … */
  noun: 'User' | 'Role';
  member: 'UserName' | 'RoleName';
  rule: RequiredRule;
  /** IAM and AWS STS quotas: "Role/User policy size" for all inline policies together. */
  inlineQuota: number;
  resource(deps: QueryServiceDeps, ctx: CallContext, name: string): Promise<string>;
  /** The stored (canonical) name; NoSuchEntity when absent. */
  require(deps: QueryServiceDeps, ctx: CallContext, name: string): Promise<string>;
}

export const USER_SIDE: IdentitySide = {
  kind: 'user',
  noun: 'User',
  member: 'UserName',
  rule: existingUserNameRule,
  inlineQuota: 2048,
  resource: async (deps, ctx, name) => (await userResource(deps, ctx, name)).arn,
  require: async (deps, ctx, name) => (await requireUser(deps, ctx, name)).userName,
};

export const ROLE_SIDE: IdentitySide = {
  kind: 'role',
  noun: 'Role',
  member: 'RoleName',
  rule: roleNameRule,
  inlineQuota: 10240,
  resource: async (deps, ctx, name) => (await roleResource(deps, ctx, name)).arn,
  require: async (deps, ctx, name) => (await requireRole(deps, ctx, name)).roleName,
};
