import { ConditionContext } from './context.js';
import { parsePolicy } from './document.js';
import { evaluatePolicy, type PolicyVerdict } from './statement.js';
import type { Decision, Denial, PolicyInput, RequestContext } from './types.js';

export type { Decision, Denial, DenyReason, PolicyInput, RequestContext, RequestPrincipal, ContextValue, PrincipalType } from './types.js';

/**
 * The KMS authorization decision (KMS Developer Guide, "Determining access to a KMS key" and
 * "Allowing users in other accounts to use a KMS key"; IAM User Guide, "Policy evaluation logic").
 *
 * - An explicit Deny in the key policy, an identity policy or a session policy always wins,
 *   grants included.
 * - Same account: the key policy allows the caller itself, or the key policy allows the account
 *   (`arn:aws:iam::<acct>:root` / the account id — delegation) and an identity policy allows.
 * - Cross account: the key policy allows the external account or caller AND the caller's identity
 *   policy allows.
 * - A grant is an alternative allow.
 * - Session policies bound identity permissions and key-policy permissions given to the role;
 *   a key policy that names the exact session ARN is not bounded ("Session policies").
 *
 * Which reason is reported when several apply (the message AWS returns): explicit denies in the
 * order AWS evaluates policy types — resource-based, then identity-based, then session; for an
 * implicit deny the first missing link of the chain: the key policy (it allows neither the caller
 * nor its account), then identity policies, then session policies.
 */
export function evaluateKmsAccess(req: RequestContext, policies: PolicyInput): Decision {
  const ctx = new ConditionContext(req);
  const action = req.action.toLowerCase();
  const key = evaluatePolicy(parsePolicy(policies.keyPolicy, { principal: 'required' }), req.principal, action, req.resource, ctx);
  if (key.deny) return { allowed: false, reason: 'explicitDenyResource' };
  const identity = evaluateIdentity(req, policies, action, ctx);
  if (identity.denial) return identity.denial;
  return decide(req, policies, key, identity.allow, identity.sessionAllow);
}

/** IAM-only operations (CreateKey, ListKeys, GenerateRandom, …) have no key policy. */
export function evaluateIdentityAccess(req: RequestContext, policies: Pick<PolicyInput, 'identityPolicies' | 'sessionPolicies'>): Decision {
  const ctx = new ConditionContext(req);
  const identity = evaluateIdentity(req, policies, req.action.toLowerCase(), ctx);
  if (identity.denial) return identity.denial;
  if (!identity.allow) return { allowed: false, reason: 'noIdentityAllow' };
  if (!identity.sessionAllow) return { allowed: false, reason: 'noSessionAllow' };
  return { allowed: true, by: 'identityPolicy' };
}

interface IdentityResult {
  denial?: Denial;
  allow: boolean;
  /** True when there are no session policies, or one allows. */
  sessionAllow: boolean;
}

function evaluateIdentity(
  req: RequestContext, policies: Pick<PolicyInput, 'identityPolicies' | 'sessionPolicies'>, action: string, ctx: ConditionContext,
): IdentityResult {
  let allow = false;
  for (const p of policies.identityPolicies) {
    const v = evaluatePolicy(parsePolicy(p.document, { principal: 'forbidden' }), req.principal, action, req.resource, ctx);
    if (v.deny) return { denial: { allowed: false, reason: 'explicitDenyIdentity' }, allow, sessionAllow: false };
    allow ||= v.allowCaller;
  }
  const sessions = policies.sessionPolicies ?? [];
  let sessionAllow = sessions.length === 0;
  for (const text of sessions) {
    const v = evaluatePolicy(parsePolicy(text, { principal: 'forbidden' }), req.principal, action, req.resource, ctx);
    if (v.deny) return { denial: { allowed: false, reason: 'explicitDenySession' }, allow, sessionAllow: false };
    sessionAllow ||= v.allowCaller;
  }
  return { allow, sessionAllow };
}

function decide(req: RequestContext, policies: PolicyInput, key: PolicyVerdict, identityAllow: boolean, sessionAllow: boolean): Decision {
  const p = req.principal;
  // Service principals act in no account of their own: only the key policy or a grant can allow.
  const crossAccount = p.type !== 'Service' && p.account !== req.resourceAccount;
  const keyAllowsCaller = key.allowCaller && (sessionAllow || key.allowExactSession);
  if (!crossAccount && keyAllowsCaller) return { allowed: true, by: 'keyPolicy' };
  const keyAdmits = crossAccount ? key.allowCaller || key.allowAccount : key.allowAccount;
  if (keyAdmits && identityAllow && sessionAllow) return { allowed: true, by: 'identityPolicy' };
  if (policies.grantsAllow) {
    return policies.grantId === undefined ? { allowed: true, by: 'grant' } : { allowed: true, by: 'grant', grantId: policies.grantId };
  }
  if (!key.allowCaller && !key.allowAccount) return { allowed: false, reason: 'noResourceAllow' };
  if (!crossAccount && key.allowCaller && !key.allowAccount) return { allowed: false, reason: 'noSessionAllow' };
  if (!identityAllow) return { allowed: false, reason: 'noIdentityAllow' };
  return { allowed: false, reason: 'noSessionAllow' };
}

const POLICY_KIND: Record<Denial['reason'], string> = {
  explicitDenyResource: 'resource-based',
  explicitDenyIdentity: 'identity-based',
  explicitDenySession: 'session',
  noResourceAllow: 'resource-based',
  noIdentityAllow: 'identity-based',
  noSessionAllow: 'session',
};

/**
 * AWS's AccessDeniedException message (kms-facts.md "AccessDeniedException forms"; IAM User
 * Guide, "Access denied error messages").
 */
export function accessDeniedMessage(req: RequestContext, d: Denial): string {
  const head = `User: ${req.principal.arn} is not authorized to perform: ${req.action} on resource: ${req.resource}`;
  const kind = POLICY_KIND[d.reason];
  if (d.reason.startsWith('explicitDeny')) return `${head} with an explicit deny in ${kind === 'identity-based' ? 'an' : 'a'} ${kind} policy`;
  return `${head} because no ${kind} policy allows the ${req.action} action`;
}
