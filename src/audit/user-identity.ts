import type { AuditPrincipal } from '../store/audit-ports.js';
import type { Store } from '../store/ports.js';
import { isoSeconds, type SessionIssuer, type UserIdentity } from './record.js';

/**
 * userIdentity.type of a principal: AWSService for a service, AnonymousPrincipal for an unsigned S3
 * request (Unverified: the type name S3's CloudTrail data events give anonymous callers).
 */
export const identityType = (p: Pick<AuditPrincipal, 'type'>): NonNullable<UserIdentity['type']> =>
  p.type === 'Service' ? 'AWSService' : p.type === 'Anonymous' ? 'AnonymousPrincipal' : p.type;

/** What building a userIdentity needs to look up beyond the principal itself. */
export interface IdentityLookups {
  /** When the session behind temporary credentials was created. */
  sessionCreatedAt(accessKeyId: string): Promise<Date | undefined>;
  /** The unique id (AIDA…) of an IAM user. */
  userId(account: string, userName: string): Promise<string | undefined>;
}

export function storeIdentityLookups(store: Pick<Store, 'sessions' | 'iam'>): IdentityLookups {
  return {
    sessionCreatedAt: async (id) => (await store.sessions.get(id))?.createdAt,
    userId: async (account, name) => (await store.iam.getUser(account, name))?.userId,
  };
}

/**
 * The userIdentity element ("CloudTrail userIdentity element"): the caller's type, unique id, ARN,
 * account and access key; for temporary credentials the session's context (the role or user that
 * issued it and when); `invokedBy` when an AWS service called on the principal's behalf.
 */
export async function userIdentityOf(p: AuditPrincipal, lookups: IdentityLookups, viaService?: string): Promise<UserIdentity> {
  const id: UserIdentity = {
    type: identityType(p),
    principalId: p.type === 'Root' ? p.account : (p.userId ?? p.account),
    arn: p.arn,
    accountId: p.account,
    accessKeyId: p.accessKeyId,
  };
  if (p.type === 'IAMUser' && p.userName !== undefined) id.userName = p.userName;
  if (p.session) {
    const created = await lookups.sessionCreatedAt(p.accessKeyId);
    const attributes = { creationDate: isoSeconds(created ?? new Date(0)), mfaAuthenticated: 'false' as const };
    const issuer = await sessionIssuer(p, lookups);
    id.sessionContext = issuer ? { sessionIssuer: issuer, attributes } : { attributes };
  }
  if (viaService !== undefined) id.invokedBy = viaService;
  return id;
}

async function sessionIssuer(p: AuditPrincipal, lookups: IdentityLookups): Promise<SessionIssuer | undefined> {
  const s = p.session!;
  if (p.type === 'AssumedRole') {
    return { type: 'Role', principalId: (p.userId ?? '').split(':')[0], arn: p.roleArn ?? s.issuerArn, accountId: p.account, userName: p.roleName ?? s.issuerName };
  }
  if (p.type !== 'FederatedUser') return undefined; // GetSessionToken: the caller's own identity, no issuer
  if (s.issuerArn.endsWith(':root')) return { type: 'Root', principalId: p.account, arn: s.issuerArn, accountId: p.account };
  const userId = await lookups.userId(p.account, s.issuerName);
  return { type: 'IAMUser', principalId: userId ?? s.issuerName, arn: s.issuerArn, accountId: p.account, userName: s.issuerName };
}

/** How the key owner's (or role owner's) record shows a caller from another account. */
export function crossAccountIdentity(caller: UserIdentity): UserIdentity {
  const id: UserIdentity = { type: 'AWSAccount', principalId: caller.principalId, accountId: caller.accountId };
  if (caller.invokedBy !== undefined) id.invokedBy = caller.invokedBy;
  return id;
}

/** LookupEvents' Username: `root`, the IAM user name, the role session name, the federated user name. */
export function usernameOf(id: UserIdentity): string | undefined {
  const tail = (sep: string) => id.arn?.slice(id.arn.lastIndexOf(sep) + sep.length);
  switch (id.type) {
    case 'Root':
      return 'root';
    case 'IAMUser':
      return id.userName ?? tail('/');
    case 'AssumedRole':
      return tail('/');
    case 'FederatedUser':
      return tail(':federated-user/');
    default:
      return undefined;
  }
}
