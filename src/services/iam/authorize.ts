import { accessDeniedMessage, evaluateIdentityAccess } from '../../policy/index.js';
import type { ContextValue, RequestContext } from '../../policy/types.js';
import { AccessDenied, InvalidClientTokenId } from '../../errors/aws-error.js';
import type { CallContext } from '../../domain/call-context.js';
import { callerIdentityPolicies, globalConditionKeys as requestConditionKeys } from '../caller-policies.js';
import type { QueryServiceDeps } from './operation.js';

/**
 * Authorization of IAM and STS calls (IAM User Guide, "Policy evaluation logic"): the account
 * root may do anything in its account; users and role sessions need an identity-policy Allow,
 * bounded by session policies, and no explicit Deny.
 */

export { callerIdentityPolicies, globalConditionKeys as requestConditionKeys } from '../caller-policies.js';

/** The request context for `action` on `resource` in the caller's account. */
export function requestFor(ctx: CallContext, action: string, resource: string, extra?: Record<string, ContextValue | undefined>): RequestContext {
  return { principal: ctx.principal, action, resource, resourceAccount: ctx.account, conditionKeys: requestConditionKeys(ctx, extra) };
}

/** Identity-policy authorization; throws AccessDenied with AWS's message. */
export async function authorizeIdentity(
  deps: QueryServiceDeps, ctx: CallContext, action: string, resource: string, extra?: Record<string, ContextValue | undefined>,
): Promise<void> {
  const p = ctx.principal;
  if (p.type === 'Root' && !p.session) return;
  const request = requestFor(ctx, action, resource, extra);
  const decision = evaluateIdentityAccess(request, {
    identityPolicies: await callerIdentityPolicies(deps.store, p),
    sessionPolicies: p.session?.sessionPolicies,
  });
  if (!decision.allowed) throw AccessDenied(accessDeniedMessage(request, decision));
}

/**
 * IAM actions. Credentials from GetSessionToken (without MFA) and GetFederationToken cannot call
 * IAM (STS API Reference, GetSessionToken and GetFederationToken); AWS answers InvalidClientTokenId.
 */
export async function authorizeIam(
  deps: QueryServiceDeps, ctx: CallContext, action: string, resource: string, extra?: Record<string, ContextValue | undefined>,
): Promise<void> {
  const p = ctx.principal;
  if (p.session && p.type !== 'AssumedRole') throw InvalidClientTokenId('The security token included in the request is invalid');
  await authorizeIdentity(deps, ctx, `iam:${action}`, resource, extra);
}
