import { InvalidInput, LimitExceeded, NoSuchEntity } from '../../errors/aws-error.js';
import type { ManagedPolicy } from '../../store/iam-ports.js';
import type { CallContext } from '../../domain/call-context.js';
import { authorizeIam } from './authorize.js';
import { noSuchPolicy, parsePolicyArn } from './entities.js';
import { ROLE_SIDE, USER_SIDE, type IdentitySide } from './identity-kinds.js';
import { defineQueryOperation, type QueryOperation, type QueryServiceDeps } from './operation.js';
import { byPathPrefix, paginate } from './paging.js';
import { arnRule, policyPathRule, roleNameRule, userNameRule } from './query-input.js';

/**
 * Managed-policy attachments of users and roles (IAM API Reference, "AttachUserPolicy",
 * "DetachUserPolicy", "ListAttachedUserPolicies" and their Role forms). Quota: 10 managed
 * policies per user or role (IAM and AWS STS quotas).
 */
const ATTACHED_QUOTA = 10;
const nameRule = (side: IdentitySide) => (side.kind === 'user' ? userNameRule : roleNameRule);

/** A customer managed policy of the caller's account; AWS managed policies are not provided by Locksmith. */
export async function requirePolicy(deps: QueryServiceDeps, ctx: CallContext, arn: string): Promise<ManagedPolicy> {
  if (!parsePolicyArn(arn)) throw InvalidInput(`ARN ${arn} is not valid.`);
  const policy = await deps.store.iam.getPolicy(arn);
  if (!policy || policy.account !== ctx.account) throw noSuchPolicy(arn);
  return policy;
}

const attach = (side: IdentitySide): QueryOperation => async (input, ctx, deps) => {
  const owner = input.string(side.member, nameRule(side));
  const arn = input.string('PolicyArn', arnRule);
  await authorizeIam(deps, ctx, `Attach${side.noun}Policy`, await side.resource(deps, ctx, owner), { 'iam:PolicyARN': arn });
  const name = await side.require(deps, ctx, owner);
  await requirePolicy(deps, ctx, arn);
  const attached = await deps.store.iam.listAttachedPolicies(ctx.account, side.kind, name);
  if (!attached.some((p) => p.arn === arn) && attached.length >= ATTACHED_QUOTA) {
    throw LimitExceeded(`Cannot exceed quota for PoliciesPer${side.noun}: ${ATTACHED_QUOTA}`);
  }
  await deps.store.iam.attachPolicy(ctx.account, side.kind, name, arn);
  return undefined;
};

const detach = (side: IdentitySide): QueryOperation => async (input, ctx, deps) => {
  const owner = input.string(side.member, nameRule(side));
  const arn = input.string('PolicyArn', arnRule);
  await authorizeIam(deps, ctx, `Detach${side.noun}Policy`, await side.resource(deps, ctx, owner), { 'iam:PolicyARN': arn });
  const name = await side.require(deps, ctx, owner);
  if (!parsePolicyArn(arn)) throw InvalidInput(`ARN ${arn} is not valid.`);
  if (!(await deps.store.iam.detachPolicy(ctx.account, side.kind, name, arn))) throw NoSuchEntity(`Policy ${arn} was not found.`);
  return undefined;
};

const listAttached = (side: IdentitySide): QueryOperation => async (input, ctx, deps) => {
  const owner = input.string(side.member, nameRule(side));
  const prefix = input.string('PathPrefix', policyPathRule);
  await authorizeIam(deps, ctx, `ListAttached${side.noun}Policies`, await side.resource(deps, ctx, owner));
  const name = await side.require(deps, ctx, owner);
  const page = paginate(byPathPrefix(await deps.store.iam.listAttachedPolicies(ctx.account, side.kind, name), prefix), input);
  return { AttachedPolicies: page.items.map((p) => ({ PolicyName: p.policyName, PolicyArn: p.arn })), IsTruncated: page.IsTruncated, Marker: page.Marker };
};

export const attachUserPolicy = attach(USER_SIDE);
export const detachUserPolicy = detach(USER_SIDE);
export const listAttachedUserPolicies = listAttached(USER_SIDE);
export const attachRolePolicy = attach(ROLE_SIDE);
export const detachRolePolicy = detach(ROLE_SIDE);
export const listAttachedRolePolicies = listAttached(ROLE_SIDE);

export const AttachUserPolicy = defineQueryOperation({ service: 'iam', name: 'AttachUserPolicy', readOnly: false, handler: attachUserPolicy });
export const DetachUserPolicy = defineQueryOperation({ service: 'iam', name: 'DetachUserPolicy', readOnly: false, handler: detachUserPolicy });
export const ListAttachedUserPolicies = defineQueryOperation({ service: 'iam', name: 'ListAttachedUserPolicies', readOnly: true, handler: listAttachedUserPolicies });
export const AttachRolePolicy = defineQueryOperation({ service: 'iam', name: 'AttachRolePolicy', readOnly: false, handler: attachRolePolicy });
export const DetachRolePolicy = defineQueryOperation({ service: 'iam', name: 'DetachRolePolicy', readOnly: false, handler: detachRolePolicy });
export const ListAttachedRolePolicies = defineQueryOperation({ service: 'iam', name: 'ListAttachedRolePolicies', readOnly: true, handler: listAttachedRolePolicies });
