import { attachRolePolicy, attachUserPolicy, detachRolePolicy, detachUserPolicy, listAttachedRolePolicies, listAttachedUserPolicies } from './attached-policies.js';
import { createAccessKeyOperation } from './create-access-key.js';
import { createPolicy } from './create-policy.js';
import { createRole } from './create-role.js';
import { createUser } from './create-user.js';
import { deleteAccessKey } from './delete-access-key.js';
import { deletePolicy } from './delete-policy.js';
import { deleteRole } from './delete-role.js';
import { deleteUser } from './delete-user.js';
import { getPolicyVersion } from './get-policy-version.js';
import { getPolicy } from './get-policy.js';
import { getRole } from './get-role.js';
import { getUser } from './get-user.js';
import {
  deleteRolePolicy, deleteUserPolicy, getRolePolicy, getUserPolicy, listRolePolicies, listUserPolicies, putRolePolicy, putUserPolicy,
} from './inline-policies.js';
import { listAccessKeys } from './list-access-keys.js';
import { listPolicies } from './list-policies.js';
import { listRoles } from './list-roles.js';
import { listRoleTags } from './list-role-tags.js';
import { listUserTags } from './list-user-tags.js';
import { listUsers } from './list-users.js';
import type { QueryOperation } from './operation.js';
import { tagRole } from './tag-role.js';
import { tagUser } from './tag-user.js';
import { untagRole } from './untag-role.js';
import { untagUser } from './untag-user.js';
import { updateAccessKey } from './update-access-key.js';
import { updateAssumeRolePolicy } from './update-assume-role-policy.js';

/** IAM actions Locksmith implements, by awsQuery `Action` name (IAM API Reference, "Actions"). */
export const IAM_OPERATIONS: Readonly<Record<string, QueryOperation>> = {
  CreateUser: createUser,
  GetUser: getUser,
  ListUsers: listUsers,
  DeleteUser: deleteUser,
  CreateAccessKey: createAccessKeyOperation,
  ListAccessKeys: listAccessKeys,
  UpdateAccessKey: updateAccessKey,
  DeleteAccessKey: deleteAccessKey,
  CreateRole: createRole,
  GetRole: getRole,
  ListRoles: listRoles,
  DeleteRole: deleteRole,
  UpdateAssumeRolePolicy: updateAssumeRolePolicy,
  PutUserPolicy: putUserPolicy,
  GetUserPolicy: getUserPolicy,
  DeleteUserPolicy: deleteUserPolicy,
  ListUserPolicies: listUserPolicies,
  PutRolePolicy: putRolePolicy,
  GetRolePolicy: getRolePolicy,
  DeleteRolePolicy: deleteRolePolicy,
  ListRolePolicies: listRolePolicies,
  CreatePolicy: createPolicy,
  GetPolicy: getPolicy,
  GetPolicyVersion: getPolicyVersion,
  DeletePolicy: deletePolicy,
  ListPolicies: listPolicies,
  AttachUserPolicy: attachUserPolicy,
  DetachUserPolicy: detachUserPolicy,
  ListAttachedUserPolicies: listAttachedUserPolicies,
  AttachRolePolicy: attachRolePolicy,
  DetachRolePolicy: detachRolePolicy,
  ListAttachedRolePolicies: listAttachedRolePolicies,
  TagUser: tagUser,
  UntagUser: untagUser,
  ListUserTags: listUserTags,
  TagRole: tagRole,
  UntagRole: untagRole,
  ListRoleTags: listRoleTags,
};
