import type { CredentialStore } from '../ports.js';
import type { PgDatabase } from './pool.js';
import { toAccessKey, type AccessKeyRow } from '../access-key-rows.js';

export function pgCredentialStore(db: PgDatabase): CredentialStore {
  return {
    async ensureAccount(account, createdAt) {
      await db.run(`INSERT INTO accounts (account, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [account, createdAt.getTime()]);
    },
    async listAccounts() {
      return (await db.rows<{ account: string }>(`SELECT account FROM accounts ORDER BY account COLLATE "C"`)).map((r) => r.account);
    },
    async putAccessKey(k) {
      await db.run(`INSERT INTO access_keys (access_key_id, account, principal_type, principal_arn, principal_id, wrapped_secret, status, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [k.accessKeyId, k.account, k.principalType, k.principalArn, k.principalId, k.wrappedSecret, k.status, k.createdAt.getTime()]);
    },
    async getAccessKey(id) {
      const row = await db.one<AccessKeyRow>(`SELECT * FROM access_keys WHERE access_key_id = $1`, [id]);
      return row && toAccessKey(row);
    },
    async listAccessKeys(account) {
      return (await db.rows<AccessKeyRow>(`SELECT * FROM access_keys WHERE account = $1 ORDER BY created_at, access_key_id COLLATE "C"`, [account])).map(toAccessKey);
    },
    async setAccessKeyStatus(id, status) {
      return (await db.run(`UPDATE access_keys SET status = $1 WHERE access_key_id = $2`, [status, id])) > 0;
    },
    async deleteAccessKey(id) {
      return (await db.run(`DELETE FROM access_keys WHERE access_key_id = $1`, [id])) > 0;
    },
  };
}
