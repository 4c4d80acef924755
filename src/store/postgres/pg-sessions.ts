import { toSession, type SessionRow } from '../session-rows.js';
import type { SessionStore } from '../iam-ports.js';
import type { PgDatabase } from './pool.js';


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
