import type Database from 'better-sqlite3';
import { toSession, type SessionRow } from '../session-rows.js';
import type { SessionStore } from '../iam-ports.js';


/** STS sessions: secrets wrapped under the root key, tokens as SHA-256 only. */
export function sqliteSessionStore(db: Database.Database): SessionStore {
  const insert = db.prepare(`INSERT INTO sts_sessions (access_key_id, wrapped_secret, session_token_sha256, account, principal_type,
      principal_arn, principal_id, issuer_arn, issuer_name, issuer_id, session_name, session_policies, session_tags, transitive_tag_keys,
      expiration, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const select = db.prepare(`SELECT * FROM sts_sessions WHERE access_key_id = ?`);
  const purge = db.prepare(`DELETE FROM sts_sessions WHERE expiration < ?`);
  return {
    async put(s) {
      insert.run(s.accessKeyId, s.wrappedSecret, s.sessionTokenSha256, s.account, s.principalType, s.principalArn, s.principalId,
        s.issuerArn, s.issuerName, s.issuerId ?? null, s.sessionName ?? null, JSON.stringify(s.sessionPolicies),
        JSON.stringify(s.tags), JSON.stringify(s.transitiveTagKeys), s.expiration.getTime(), s.createdAt.getTime());
    },
    async get(accessKeyId) {
      const row = select.get(accessKeyId) as SessionRow | undefined;
      return row && toSession(row);
    },
    async purgeExpired(now) {
      return purge.run(now.getTime()).changes;
    },
  };
}
