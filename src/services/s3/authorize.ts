/**
 * S3 authorization (S3 User Guide, "How Amazon S3 authorizes a request"; IAM User Guide, "Policy
 * evaluation logic", "Cross-account policy evaluation logic"):
 * - an explicit Deny in the bucket policy, an identity policy or a session policy wins;
 * - the bucket owner's account root is allowed unless denied;
 * - same account: the bucket policy allowing the caller, or an identity policy allowing;
 * - cross account: the bucket policy must allow the caller (or its account) AND an identity policy.
 */
import { AccessDenied } from '../../errors/aws-error.js';
import { evaluateIdentityAccess, evaluatePolicy, parsePolicy, ConditionContext } from '../../policy/index.js';
import type { ContextValue, RequestContext } from '../../policy/types.js';
import type { CallContext } from '../../domain/call-context.js';
import type { S3Bucket } from '../../store/s3-ports.js';
import { callerIdentityPolicies, globalConditionKeys } from '../caller-policies.js';
import type { S3Deps } from './operation.js';

export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

type Reason = 'explicitDenyResource' | 'explicitDenyIdentity' | 'noResourceAllow' | 'noIdentityAllow' | 'noSessionAllow';

/** AWS's S3 AccessDenied message form (IAM User Guide, "Access denied error messages"). */
function deniedMessage(req: RequestContext, reason: Reason): string {
  const head = `User: ${req.principal.arn} is not authorized to perform: ${req.action} on resource: "${req.resource}"`;
  switch (reason) {
    case 'explicitDenyResource':
      return `${head} with an explicit deny in a resource-based policy`;
    case 'explicitDenyIdentity':
      return `${head} with an explicit deny in an identity-based policy`;
    case 'noResourceAllow':
      return `${head} because no resource-based policy allows the ${req.action} action`;
    case 'noSessionAllow':
      return `${head} because no session policy allows the ${req.action} action`;
    default:
      return `${head} because no identity-based policy allows the ${req.action} action`;
  }
}

/** The request context S3 authorizes (also what the explainer shows, src/services/explain/s3-explain.ts). */
export function s3RequestContext(
  ctx: CallContext, action: string, resource: string, bucket: S3Bucket | undefined, extra: Record<string, ContextValue | undefined> = {},
): RequestContext {
  const p = ctx.principal;
  const conditionKeys = globalConditionKeys(ctx, { 'aws:PrincipalArn': p.roleArn ?? p.arn, 'aws:PrincipalAccount': p.account, ...extra });
  return { principal: p, action, resource, resourceAccount: bucket?.account ?? ctx.account, conditionKeys };
}

export async function authorizeS3(
  deps: Pick<S3Deps, 'store'>, ctx: CallContext, action: string, resource: string, bucket: S3Bucket | undefined, extra: Record<string, ContextValue | undefined> = {},
): Promise<void> {
  const p = ctx.principal;
  const req = s3RequestContext(ctx, action, resource, bucket, extra);
  if (p.type === 'Anonymous') {
    // S3 User Guide, "Bucket policy examples" (granting read-only permission to a public anonymous
    // user): only a bucket policy whose Principal is "*" (or {"AWS": "*"}) admits an unsigned request.
    const verdict = bucket?.policy
      ? evaluatePolicy(parsePolicy(bucket.policy, { principal: 'required' }), p, action.toLowerCase(), resource, new ConditionContext(req))
      : undefined;
    if (!verdict || verdict.deny || !verdict.allowCaller) throw AccessDenied('Access Denied');
    return;
  }
  const isRoot = p.type === 'Root' && !p.session;
  const identityPolicies = isRoot ? [] : await callerIdentityPolicies(deps.store, p);
  if (!bucket) {
    if (isRoot) return;
    const d = evaluateIdentityAccess(req, { identityPolicies, sessionPolicies: p.session?.sessionPolicies });
    if (!d.allowed) throw AccessDenied(deniedMessage(req, d.reason === 'noSessionAllow' ? 'noSessionAllow' : d.reason === 'explicitDenyIdentity' ? 'explicitDenyIdentity' : 'noIdentityAllow'));
    return;
  }
  const cond = new ConditionContext(req);
  const act = action.toLowerCase();
  const resourceVerdict = bucket.policy ? evaluatePolicy(parsePolicy(bucket.policy, { principal: 'required' }), p, act, resource, cond) : undefined;
  if (resourceVerdict?.deny) throw AccessDenied(deniedMessage(req, 'explicitDenyResource'));
  const sameAccount = p.account === bucket.account;
  if (sameAccount && isRoot) return;
  let identityAllow = false;
  if (isRoot) identityAllow = true; // another account's root: its own identity side allows everything
  else {
    const d = evaluateIdentityAccess(req, { identityPolicies, sessionPolicies: p.session?.sessionPolicies });
    if (!d.allowed && d.reason === 'explicitDenyIdentity') throw AccessDenied(deniedMessage(req, 'explicitDenyIdentity'));
    identityAllow = d.allowed;
  }
  const resourceAllowsCaller = resourceVerdict?.allowCaller ?? false;
  if (sameAccount) {
    if (identityAllow || resourceAllowsCaller) return;
    throw AccessDenied(deniedMessage(req, 'noIdentityAllow'));
  }
  const resourceAdmits = resourceAllowsCaller || (resourceVerdict?.allowAccount ?? false);
  if (!resourceAdmits) throw AccessDenied(deniedMessage(req, 'noResourceAllow'));
  if (!identityAllow) throw AccessDenied(deniedMessage(req, 'noIdentityAllow'));
}
