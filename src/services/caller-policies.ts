import type { ContextValue } from '../policy/types.js';
import type { NamedPolicyDocument } from '../store/iam-ports.js';
import type { Store } from '../store/ports.js';
import type { CallContext, Principal } from '../domain/call-context.js';

/**
 * What every service's authorization needs to know about the caller: the global condition keys
 * of a request and the identity policies behind the principal (IAM User Guide, "Policy evaluation
 * logic", "AWS global condition context keys").
 */
export function globalConditionKeys(ctx: CallContext, extra: Record<string, ContextValue | undefined> = {}): Record<string, ContextValue | undefined> {
  const now = ctx.clock.now();
  const keys: Record<string, ContextValue | undefined> = {};
  // aws:PrincipalTag/<key> for each principal tag (IAM User Guide, "AWS global condition context keys").
  const tags = ctx.principal.tags;
  if (tags) for (const k of Object.keys(tags)) keys[`aws:PrincipalTag/${k}`] = tags[k];
  keys['aws:CurrentTime'] = now.toISOString();
  keys['aws:EpochTime'] = Math.floor(now.getTime() / 1000);
  keys['aws:SourceIp'] = ctx.sourceIp.startsWith('::ffff:') ? ctx.sourceIp.slice('::ffff:'.length) : ctx.sourceIp;
  keys['aws:SecureTransport'] = ctx.secureTransport;
  keys['aws:UserAgent'] = ctx.userAgent;
  keys['aws:MultiFactorAuthPresent'] = ctx.principal.session ? false : undefined;
  keys['aws:RequestedRegion'] = ctx.region;
  for (const k of Object.keys(extra)) keys[k] = extra[k];
  return keys;
}

/** The account root is not governed by IAM policies: inside its account it may do anything IAM-wise. */
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
