import { createHash, timingSafeEqual } from 'node:crypto';
import type { RootKeyring } from '../crypto/root-keyring.js';
import { overrideTags } from '../domain/principal-tags.js';
import { ExpiredTokenException, UnrecognizedClientException } from '../errors/aws-error.js';
import type { Principal } from '../domain/call-context.js';
import type { StsSession } from '../store/iam-ports.js';
import type { Store } from '../store/ports.js';

/** AAD binding a wrapped session secret to its access key id. */
export const sessionSecretAad = (accessKeyId: string) => `locksmith:sts-session-secret:v1:${accessKeyId}`;

/** Session tokens are stored only as this hash. */
export const sessionTokenSha256 = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The session policy of a federated user that passed none: it allows nothing ("If you do not pass
 * a policy … the resulting temporary security credentials have no permissions", IAM User Guide,
 * "Permissions for GetFederationToken"). `NotAction: "*"` matches no action.
 */
export const NO_PERMISSIONS_SESSION_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"*","Resource":"*"}]}';

/**
 * Resolves temporary (ASIA…) credentials. Unknown key → undefined (the caller reports the key
 * as unrecognized); a missing or wrong session token → UnrecognizedClientException; an expired
 * session → ExpiredTokenException. The token is checked before expiry, so expiry is only
 * revealed to holders of the token. Hashes are compared in constant time.
 */
export async function resolveSessionCredentials(
  store: Store,
  keyring: RootKeyring,
  accessKeyId: string,
  sessionToken: string | undefined,
  now: Date,
): Promise<{ principal: Principal; secretAccessKey: string } | undefined> {
  if (!accessKeyId.startsWith('ASIA')) return undefined;
  const session = await store.sessions.get(accessKeyId);
  if (!session) return undefined;
  const expected = Buffer.from(session.sessionTokenSha256, 'hex');
  const given = Buffer.from(sessionTokenSha256(sessionToken ?? ''), 'hex');
  if (sessionToken === undefined || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw UnrecognizedClientException('The security token included in the request is invalid.');
  }
  if (now.getTime() >= session.expiration.getTime()) {
    throw ExpiredTokenException('The security token included in the request is expired');
  }
  if (!(await issuerExists(store, session))) throw UnrecognizedClientException('The security token included in the request is invalid.');
  return {
    principal: sessionPrincipal(session, await sessionPrincipalTags(store, session)),
    secretAccessKey: keyring.unwrap(session.wrappedSecret, sessionSecretAad(accessKeyId)).toString('utf8'),
  };
}

/**
 * Whether the user or role behind a session still exists — the same one, by unique id, not a
 * namesake. Temporary credentials are bound to the IAM user or role that obtained them, and their
 * permissions are evaluated against it on every request (IAM User Guide, "Permissions for temporary
 * security credentials"); once it is deleted nothing is left to evaluate, so the credentials are
 * refused like an unknown token. // Unverified: AWS's exact error for this case (InvalidClientTokenId
 * / UnrecognizedClientException assumed). Root-issued sessions have no such identity.
 */
async function issuerExists(store: Store, s: StsSession): Promise<boolean> {
  if (s.principalType === 'Root' || s.issuerArn.endsWith(':root')) return true;
  const id = s.issuerId ?? (s.principalType === 'AssumedRole' ? s.principalId.split(':')[0] : s.principalType === 'IAMUser' ? s.principalId : undefined);
  if (id !== undefined) return (await store.iam.getPrincipalById(id)) !== undefined;
  // A federated user's session from before issuer ids were recorded: the issuing user by name.
  return (await store.iam.getUser(s.account, s.issuerName)) !== undefined;
}

/**
 * The principal tags of a session (IAM User Guide, "Passing session tags in AWS STS"): the tags of
 * the IAM identity behind it — the role (role sessions) or the user (federated users, GetSessionToken)
 * — overridden by the session tags with the same key regardless of case. The identity's tags are
 * read per request, so tagging a role changes the principal tags of its live sessions.
 */
export async function sessionPrincipalTags(store: Store, s: StsSession): Promise<Record<string, string>> {
  const rootIssued = s.principalType === 'Root' || s.issuerArn.endsWith(':root');
  const kind = s.principalType === 'AssumedRole' ? 'role' : 'user';
  const identityTags = rootIssued ? {} : await store.iam.getTags(s.account, kind, s.issuerName);
  return overrideTags(identityTags, s.tags);
}

/** The principal of a session, in the shapes of call-context.ts. */
export function sessionPrincipal(s: StsSession, tags: Record<string, string> = s.tags): Principal {
  const sessionPolicies = s.principalType === 'FederatedUser' && s.sessionPolicies.length === 0 ? [NO_PERMISSIONS_SESSION_POLICY] : s.sessionPolicies;
  const session: NonNullable<Principal['session']> = {
    issuerArn: s.issuerArn,
    issuerName: s.issuerName,
    sessionPolicies,
    expiration: s.expiration,
  };
  if (s.sessionName !== undefined) session.sessionName = s.sessionName;
  const base = { arn: s.principalArn, account: s.account, accessKeyId: s.accessKeyId, userId: s.principalId, session, tags };
  switch (s.principalType) {
    case 'AssumedRole':
      return { ...base, type: 'AssumedRole', roleArn: s.issuerArn, roleName: s.issuerName };
    case 'FederatedUser':
      return { ...base, type: 'FederatedUser' };
    case 'IAMUser':
      return { ...base, type: 'IAMUser', userName: s.issuerName };
    case 'Root':
      return { ...base, type: 'Root', userId: s.account };
  }
}
