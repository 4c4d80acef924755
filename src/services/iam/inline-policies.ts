import { LimitExceeded, NoSuchEntity } from '../../errors/aws-error.js';
import { authorizeIam } from './authorize.js';
import { urlEncoded } from './entities.js';
import { ROLE_SIDE, USER_SIDE, type IdentitySide } from './identity-kinds.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { paginate } from './paging.js';
import { parseIdentityPolicy, policySize } from './policy-documents.js';
import { documentRule, policyNameRule } from './query-input.js';

/**
 * Inline policies of users and roles (IAM API Reference, "PutUserPolicy", "GetUserPolicy",
 * "DeleteUserPolicy", "ListUserPolicies" and their Role forms). The user and role actions differ
 * only in names and quotas, so both are built here from one implementation.
 */
const noSuchInline = (side: IdentitySide, name: string) => NoSuchEntity(`The ${side.kind} policy with name ${name} cannot be found.`);

const put = (side: IdentitySide): QueryOperation => async (input, ctx, deps) => {
  const owner = input.string(side.member, side.rule);
  const policyName = input.string('PolicyName', policyNameRule);
  const document = input.string('PolicyDocument', documentRule);
  await authorizeIam(deps, ctx, `Put${side.noun}Policy`, await side.resource(deps, ctx, owner));
  const name = await side.require(deps, ctx, owner);
  parseIdentityPolicy(document);
  const iam = deps.store.iam;
  let total = policySize(document);
  for (const other of await iam.listInlinePolicies(ctx.account, side.kind, name)) {
    if (other !== policyName) total += policySize((await iam.getInlinePolicy(ctx.account, side.kind, name, other)) ?? '');
  }
  if (total > side.inlineQuota) throw LimitExceeded(`Maximum policy size of ${side.inlineQuota} bytes exceeded for ${side.kind} ${name}`);
  await iam.putInlinePolicy(ctx.account, side.kind, name, { name: policyName, document });
  return undefined;
};

const get = (side: IdentitySide): QueryOperation => async (input, ctx, deps) => {
  const owner = input.string(side.member, side.rule);
  const policyName = input.string('PolicyName', policyNameRule);
  await authorizeIam(deps, ctx, `Get${side.noun}Policy`, await side.resource(deps, ctx, owner));
  const name = await side.require(deps, ctx, owner);
  const document = await deps.store.iam.getInlinePolicy(ctx.account, side.kind, name, policyName);
  if (document === undefined) throw noSuchInline(side, policyName);
  return { [side.member]: name, PolicyName: policyName, PolicyDocument: urlEncoded(document) };
};

const remove = (side: IdentitySide): QueryOperation => async (input, ctx, deps) => {
  const owner = input.string(side.member, side.rule);
  const policyName = input.string('PolicyName', policyNameRule);
  await authorizeIam(deps, ctx, `Delete${side.noun}Policy`, await side.resource(deps, ctx, owner));
  const name = await side.require(deps, ctx, owner);
  if (!(await deps.store.iam.deleteInlinePolicy(ctx.account, side.kind, name, policyName))) throw noSuchInline(side, policyName);
  return undefined;
};

const list = (side: IdentitySide): QueryOperation => async (input, ctx, deps) => {
  const owner = input.string(side.member, side.rule);
  await authorizeIam(deps, ctx, `List${side.noun}Policies`, await side.resource(deps, ctx, owner));
  const name = await side.require(deps, ctx, owner);
  const page = paginate(await deps.store.iam.listInlinePolicies(ctx.account, side.kind, name), input);
  return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
};

export const putUserPolicy = put(USER_SIDE);
export const getUserPolicy = get(USER_SIDE);
export const deleteUserPolicy = remove(USER_SIDE);
export const listUserPolicies = list(USER_SIDE);
export const putRolePolicy = put(ROLE_SIDE);
export const getRolePolicy = get(ROLE_SIDE);
export const deleteRolePolicy = remove(ROLE_SIDE);
export const listRolePolicies = list(ROLE_SIDE);

export const PutUserPolicy = defineQueryOperation({ service: 'iam', name: 'PutUserPolicy', readOnly: false, handler: putUserPolicy });
export const GetUserPolicy = defineQueryOperation({ service: 'iam', name: 'GetUserPolicy', readOnly: true, handler: getUserPolicy });
export const DeleteUserPolicy = defineQueryOperation({ service: 'iam', name: 'DeleteUserPolicy', readOnly: false, handler: deleteUserPolicy });
export const ListUserPolicies = defineQueryOperation({ service: 'iam', name: 'ListUserPolicies', readOnly: true, handler: listUserPolicies });
export const PutRolePolicy = defineQueryOperation({ service: 'iam', name: 'PutRolePolicy', readOnly: false, handler: putRolePolicy });
export const GetRolePolicy = defineQueryOperation({ service: 'iam', name: 'GetRolePolicy', readOnly: true, handler: getRolePolicy });
export const DeleteRolePolicy = defineQueryOperation({ service: 'iam', name: 'DeleteRolePolicy', readOnly: false, handler: deleteRolePolicy });
export const ListRolePolicies = defineQueryOperation({ service: 'iam', name: 'ListRolePolicies', readOnly: true, handler: listRolePolicies });
