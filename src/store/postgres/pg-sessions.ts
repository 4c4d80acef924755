import { tagRecord } from '../../domain/principal-tags.js';
import type { SessionPrincipalType, SessionStore, StsSession } from '../iam-ports.js';
import type { PgDatabase } from './pool.js';

interface SessionRow {
  access_key_id: string;
  wrapped_secret: Buffer;
  session_token_sha256: string;
  account: string;
  principal_type: string;
  principal_arn: string;
  principal_id: string;
  issuer_arn: string;
  issuer_name: string;
  issuer_id: string | null;
  session_name: string | null;
  session_policies: string;
  session_tags: string;
  transitive_tag_keys: string;
  expiration: number;
  created_at: number;
}

function toSession(r: SessionRow): StsSession {
  const s: StsSession = {
    accessKeyId: r.access_key_id,
    wrappedSecret: r.wrapped_secret,
    sessionTokenSha256: r.session_token_sha256,
    account: r.account,
    principalType: r.principal_type as SessionPrincipalType,
    principalArn: r.principal_arn,
    principalId: r.principal_id,
    issuerArn: r.issuer_arn,
    issuerName: r.issuer_name,
    sessionPolicies: JSON.parse(r.session_policies) as string[],
    tags: tagRecord(Object.entries(JSON.parse(r.session_tags) as Record<string, string>)),
    transitiveTagKeys: JSON.parse(r.transitive_tag_keys) as string[],
    expiration: new Date(r.expiration),
    createdAt: new Date(r.created_at),
  };
  if (r.session_name !== null) s.sessionName = r.session_name;
  if (r.issuer_id !== null) s.issuerId = r.issuer_id;
  return s;
}

/** STS sessions: secrets wrapped under the root key, tokens as SHA-256 only. */
export function pgSessionStore(db: PgDatabase): SessionStore {
  return {
    async put(s) {
      await db.run(`INSERT INTO sts_sessions (access_key_id, wrapped_secret, session_token_sha256, account, principal_type, principal_arn,
          principal_id, issuer_arn, issuer_name, issuer_id, session_name, session_policies, session_tags, transitive_tag_keys, expiration, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [s.accessKeyId, s.wrappedSecret, s.sessionTokenSha256, s.account, s.principalType, s.principalArn, s.principalId,
        s.issuerArn, s.issuerName, s.issuerId ?? null, s.sessionName ?? null, JSON.stringify(s.sessionPolicies),
        JSON.stringify(s.tags), JSON.stringify(s.transitiveTagKeys), s.expiration.getTime(), s.createdAt.getTime()]);
    },
    async get(accessKeyId) {
      const row = await db.one<SessionRow>(`SELECT * FROM sts_sessions WHERE access_key_id = $1`, [accessKeyId]);
      return row && toSession(row);
    },
    async purgeExpired(now) {
      return db.run(`DELETE FROM sts_sessions WHERE expiration < $1`, [now.getTime()]);
    },
  };
}
