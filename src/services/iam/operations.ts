import type { QueryOperation, QueryOperationDescriptor } from './operation.js';
import { AttachUserPolicy, DetachUserPolicy, ListAttachedUserPolicies, AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies } from './attached-policies.js';
import { CreateAccessKey } from './create-access-key.js';
import { CreatePolicy } from './create-policy.js';
import { CreateRole } from './create-role.js';
import { CreateUser } from './create-user.js';
import { DeleteAccessKey } from './delete-access-key.js';
import { DeletePolicy } from './delete-policy.js';
import { DeleteRole } from './delete-role.js';
import { DeleteUser } from './delete-user.js';
import { GetPolicy } from './get-policy.js';
import { GetPolicyVersion } from './get-policy-version.js';
import { GetRole } from './get-role.js';
import { GetUser } from './get-user.js';
import { PutUserPolicy, GetUserPolicy, DeleteUserPolicy, ListUserPolicies, PutRolePolicy, GetRolePolicy, DeleteRolePolicy, ListRolePolicies } from './inline-policies.js';
import { ListAccessKeys } from './list-access-keys.js';
import { ListPolicies } from './list-policies.js';
import { ListRoleTags } from './list-role-tags.js';
import { ListRoles } from './list-roles.js';
import { ListUserTags } from './list-user-tags.js';
import { ListUsers } from './list-users.js';
import { TagRole } from './tag-role.js';
import { TagUser } from './tag-user.js';
import { UntagRole } from './untag-role.js';
import { UntagUser } from './untag-user.js';
import { UpdateAccessKey } from './update-access-key.js';
import { UpdateAssumeRolePolicy } from './update-assume-role-policy.js';

/** IAM actions Locksmith implements: one descriptor each, beside its handler. */
export const IAM_OPERATION_DESCRIPTORS: readonly QueryOperationDescriptor[] = [
  CreateUser,
  GetUser,
  ListUsers,
  DeleteUser,
  CreateAccessKey,
  ListAccessKeys,
  UpdateAccessKey,
  DeleteAccessKey,
  CreateRole,
  GetRole,
  ListRoles,
  DeleteRole,
  UpdateAssumeRolePolicy,
  PutUserPolicy,
  GetUserPolicy,
  DeleteUserPolicy,
  ListUserPolicies,
  PutRolePolicy,
  GetRolePolicy,
  DeleteRolePolicy,
  ListRolePolicies,
  CreatePolicy,
  GetPolicy,
  GetPolicyVersion,
  DeletePolicy,
  ListPolicies,
  AttachUserPolicy,
  DetachUserPolicy,
  ListAttachedUserPolicies,
  AttachRolePolicy,
  DetachRolePolicy,
  ListAttachedRolePolicies,
  TagUser,
  UntagUser,
  ListUserTags,
  TagRole,
  UntagRole,
  ListRoleTags,
];

/** IAM actions Locksmith implements, by awsQuery `Action` name (IAM API Reference, "Actions"). */
export const IAM_OPERATIONS: Readonly<Record<string, QueryOperation>> = Object.fromEntries(IAM_OPERATION_DESCRIPTORS.map((d) => [d.name, d.handler]));
