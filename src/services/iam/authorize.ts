import { accessDeniedMessage, evaluateIdentityAccess } from '../../policy/index.js';
import type { ContextValue, RequestContext } from '../../policy/types.js';
import { AccessDenied, InvalidClientTokenId } from '../../protocols/errors.js';
import type { NamedPolicyDocument } from '../../store/iam-ports.js';
import type { Store } from '../../store/ports.js';
import type { CallContext, Principal } from '../call-context.js';
import type { QueryServiceDeps } from './operation.js';

/**
 * Authorization of IAM and STS calls (IAM User Guide, "Policy evaluation logic"): the account
 * root may do anything in its account; users and role sessions need an identity-policy Allow,
 * bounded by session policies, and no explicit Deny.
 */

/** Global condition keys of an IAM/STS request (IAM User Guide, "AWS global condition context keys"). */
export function requestConditionKeys(ctx: CallContext, extra: Record<string, ContextValue | undefined> = {}): Record<string, ContextValue | undefined> {
  const now = ctx.clock.now();
  return {
    'aws:CurrentTime': now.toISOString(),
    'aws:EpochTime': Math.floor(now.getTime() / 1000),
    'aws:SourceIp': ctx.sourceIp.replace(/^::ffff:/, ''),
    'aws:SecureTransport': ctx.secureTransport,
    'aws:UserAgent': ctx.userAgent,
    'aws:MultiFactorAuthPresent': ctx.principal.session ? false : undefined,
    'aws:RequestedRegion': ctx.region,
    ...extra,
  };
}

/** The account root acts with every permission in its own account. */
const ROOT_IDENTITY: NamedPolicyDocument[] = [
  { name: 'root', document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' },
];

/** The identity policies behind a caller: a user's, a role's, or (federated users) the issuing user's. */
export async function callerIdentityPolicies(store: Store, p: Principal): Promise<NamedPolicyDocument[]> {
  switch (p.type) {
    case 'Root':
      return ROOT_IDENTITY;
    case 'IAMUser':
      return store.iam.identityPolicies(p.account, 'user', p.userName ?? '');
    case 'AssumedRole':
      return store.iam.identityPolicies(p.account, 'role', p.roleName ?? p.session?.issuerName ?? '');
    case 'FederatedUser':
      if (!p.session || p.session.issuerArn.endsWith(':root')) return ROOT_IDENTITY;
      return store.iam.identityPolicies(p.account, 'user', p.session.issuerName);
    default:
      return [];
  }
}

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
