import { sessionSecretAad, sessionTokenSha256 } from '../../auth/session-credentials.js';
import type { StsSession } from '../../store/iam-ports.js';
import type { CallContext } from '../../domain/call-context.js';
import { uniqueId } from '../iam/entities.js';
import type { QueryResult, QueryServiceDeps } from '../iam/operation.js';

export type SessionIdentity = Omit<StsSession, 'accessKeyId' | 'wrappedSecret' | 'sessionTokenSha256' | 'expiration' | 'createdAt'>;

/**
 * Issues temporary credentials (STS API Reference, data type Credentials): an ASIA… access key,
 * a 40-character secret (stored wrapped under the root key) and a session token (stored only as
 * its SHA-256). Expiration is whole seconds, as STS reports it.
 */
export async function issueSession(deps: QueryServiceDeps, ctx: CallContext, identity: SessionIdentity, durationSeconds: number): Promise<QueryResult> {
  const now = ctx.clock.now();
  const expiration = new Date(Math.floor(now.getTime() / 1000) * 1000 + durationSeconds * 1000);
  const accessKeyId = uniqueId(ctx.random, 'ASIA', 16);
  const secretAccessKey = ctx.random.bytes(30).toString('base64');
  const sessionToken = ctx.random.bytes(144).toString('base64');
  await deps.store.sessions.put({
    ...identity,
    accessKeyId,
    wrappedSecret: deps.keyring.wrap(Buffer.from(secretAccessKey, 'utf8'), sessionSecretAad(accessKeyId)),
    sessionTokenSha256: sessionTokenSha256(sessionToken),
    expiration,
    createdAt: now,
  });
  return { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, SessionToken: sessionToken, Expiration: expiration };
}
