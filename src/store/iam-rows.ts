import type { IamRole, IamUser, ManagedPolicy } from './iam-ports.js';

/** The IAM tables' rows as both adapters (SQLite and PostgreSQL) read them. */
export interface UserRow { account: string; user_name: string; user_id: string; arn: string; path: string; create_date: number }
export interface RoleRow {
  account: string; role_name: string; role_id: string; arn: string; path: string; assume_role_policy: string;
  description: string; max_session_duration: number; create_date: number;
}
export interface PolicyRow {
  account: string; policy_name: string; policy_id: string; arn: string; path: string; description: string;
  default_version_id: string; create_date: number; update_date: number;
}
export interface VersionRow { policy_arn: string; version_id: string; document: string; create_date: number; default_version_id: string }

export const toUser = (r: UserRow): IamUser => ({
  account: r.account, userName: r.user_name, userId: r.user_id, arn: r.arn, path: r.path, createDate: new Date(r.create_date),
});
export const toRole = (r: RoleRow): IamRole => ({
  account: r.account, roleName: r.role_name, roleId: r.role_id, arn: r.arn, path: r.path,
  assumeRolePolicyDocument: r.assume_role_policy, description: r.description,
  maxSessionDuration: r.max_session_duration, createDate: new Date(r.create_date),
});
export const toPolicy = (r: PolicyRow): ManagedPolicy => ({
  account: r.account, policyName: r.policy_name, policyId: r.policy_id, arn: r.arn, path: r.path, description: r.description,
  defaultVersionId: r.default_version_id, createDate: new Date(r.create_date), updateDate: new Date(r.update_date),
});
