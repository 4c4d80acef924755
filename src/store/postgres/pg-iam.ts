import { foldTagKey, tagRecord } from '../../domain/principal-tags.js';
import type { IamStore, IamTags, IdentityKind, ManagedPolicyVersion, NamedPolicyDocument } from '../iam-ports.js';
import type { PgDatabase, PgQueries } from './pool.js';
import { toPolicy, toRole, toUser, type PolicyRow, type RoleRow, type UserRow, type VersionRow } from '../iam-rows.js';

/** Names sort case-insensitively, ties by code unit (IAM lists alphabetically), as the SQLite store does. */
const BY_NAME = (col: string) => `lower(${col}), ${col}`;
/** An owner (user or role name) matched regardless of case. */
const OWNER = 'account = $1 AND kind = $2 AND owner_ci = lower($3)';

/** Thrown inside a tag transaction to roll it back when the quota would be exceeded. */
class TagQuotaExceeded extends Error {}

async function writeTags(tx: PgQueries, account: string, kind: IdentityKind, owner: string, tags: IamTags): Promise<void> {
  for (const [k, v] of Object.entries(tags)) {
    await tx.run(`INSERT INTO iam_tags (account, kind, owner, key_folded, tag_key, tag_value) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (account, kind, owner_ci, key_folded) DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value`,
    [account, kind, owner, foldTagKey(k), k, v]);
  }
}

export function pgIamStore(db: PgDatabase): IamStore {
  /** Inserts the identity (false when the name is taken) and its tags, clearing a namesake's leftovers. */
  const createIdentity = (insert: (tx: PgQueries) => Promise<number>, account: string, kind: IdentityKind, owner: string, tags: IamTags) =>
    db.transaction(async (tx) => {
      if ((await insert(tx)) !== 1) return false;
      await tx.run(`DELETE FROM iam_tags WHERE ${OWNER}`, [account, kind, owner]);
      await writeTags(tx, account, kind, owner, tags);
      return true;
    });
  // Removing an identity removes what hangs off it, so a later namesake starts clean.
  const removeIdentity = (table: 'iam_users' | 'iam_roles', account: string, kind: IdentityKind, name: string) =>
    db.transaction(async (tx) => {
      const col = table === 'iam_users' ? 'user_name_ci' : 'role_name_ci';
      if ((await tx.run(`DELETE FROM ${table} WHERE account = $1 AND ${col} = lower($2)`, [account, name])) === 0) return false;
      for (const t of ['iam_inline_policies', 'iam_attachments', 'iam_tags']) await tx.run(`DELETE FROM ${t} WHERE ${OWNER}`, [account, kind, name]);
      return true;
    });
  const listInline = (account: string, kind: IdentityKind, owner: string) =>
    db.rows<{ policy_name: string; document: string }>(`SELECT policy_name, document FROM iam_inline_policies WHERE ${OWNER}
      ORDER BY ${BY_NAME('policy_name')}`, [account, kind, owner]);

  return {
    async createUser(u, tags = {}) {
      const insert = (tx: PgQueries) => tx.run(`INSERT INTO iam_users (account, user_name, user_id, arn, path, create_date) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (account, user_name_ci) DO NOTHING`, [u.account, u.userName, u.userId, u.arn, u.path, u.createDate.getTime()]);
      return createIdentity(insert, u.account, 'user', u.userName, tags);
    },
    async getUser(account, userName) {
      const row = await db.one<UserRow>(`SELECT * FROM iam_users WHERE account = $1 AND user_name_ci = lower($2)`, [account, userName]);
      return row && toUser(row);
    },
    async listUsers(account) {
      return (await db.rows<UserRow>(`SELECT * FROM iam_users WHERE account = $1 ORDER BY ${BY_NAME('user_name')}`, [account])).map(toUser);
    },
    deleteUser: (account, userName) => removeIdentity('iam_users', account, 'user', userName),
    async getPrincipalById(uniqueId) {
      const user = await db.one<UserRow>(`SELECT * FROM iam_users WHERE user_id = $1`, [uniqueId]);
      if (user) return toUser(user);
      const role = await db.one<RoleRow>(`SELECT * FROM iam_roles WHERE role_id = $1`, [uniqueId]);
      return role && toRole(role);
    },
    async createRole(r, tags = {}) {
      const insert = (tx: PgQueries) => tx.run(`INSERT INTO iam_roles (account, role_name, role_id, arn, path, assume_role_policy, description,
          max_session_duration, create_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (account, role_name_ci) DO NOTHING`,
      [r.account, r.roleName, r.roleId, r.arn, r.path, r.assumeRolePolicyDocument, r.description, r.maxSessionDuration, r.createDate.getTime()]);
      return createIdentity(insert, r.account, 'role', r.roleName, tags);
    },
    async getRole(account, roleName) {
      const row = await db.one<RoleRow>(`SELECT * FROM iam_roles WHERE account = $1 AND role_name_ci = lower($2)`, [account, roleName]);
      return row && toRole(row);
    },
    async listRoles(account) {
      return (await db.rows<RoleRow>(`SELECT * FROM iam_roles WHERE account = $1 ORDER BY ${BY_NAME('role_name')}`, [account])).map(toRole);
    },
    deleteRole: (account, roleName) => removeIdentity('iam_roles', account, 'role', roleName),
    async updateAssumeRolePolicy(account, roleName, document) {
      return (await db.run(`UPDATE iam_roles SET assume_role_policy = $1 WHERE account = $2 AND role_name_ci = lower($3)`, [document, account, roleName])) > 0;
    },
    async putInlinePolicy(account, kind, owner, policy) {
      await db.run(`INSERT INTO iam_inline_policies (account, kind, owner, policy_name, document) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (account, kind, owner_ci, policy_name) DO UPDATE SET document = excluded.document`, [account, kind, owner, policy.name, policy.document]);
    },
    async getInlinePolicy(account, kind, owner, policyName) {
      return (await db.one<{ document: string }>(`SELECT document FROM iam_inline_policies WHERE ${OWNER} AND policy_name = $4`,
        [account, kind, owner, policyName]))?.document;
    },
    async deleteInlinePolicy(account, kind, owner, policyName) {
      return (await db.run(`DELETE FROM iam_inline_policies WHERE ${OWNER} AND policy_name = $4`, [account, kind, owner, policyName])) > 0;
    },
    async listInlinePolicies(account, kind, owner) {
      return (await listInline(account, kind, owner)).map((r) => r.policy_name);
    },
    async getTags(account, kind, owner) {
      const rows = await db.rows<{ tag_key: string; tag_value: string }>(`SELECT tag_key, tag_value FROM iam_tags WHERE ${OWNER}
        ORDER BY key_folded, tag_key`, [account, kind, owner]);
      return tagRecord(rows.map((r) => [r.tag_key, r.tag_value] as const));
    },
    async putTags(account, kind, owner, tags, maxTags) {
      try {
        return await db.transaction(async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify(['iam-tags', account, kind, owner.toLowerCase()])]);
          await writeTags(tx, account, kind, owner, tags);
          if ((await tx.one<{ n: number }>(`SELECT COUNT(*) AS n FROM iam_tags WHERE ${OWNER}`, [account, kind, owner]))!.n <= maxTags) return true;
          throw new TagQuotaExceeded(); // rolls the transaction back
        });
      } catch (e) {
        if (e instanceof TagQuotaExceeded) return false;
        throw e;
      }
    },
    async removeTags(account, kind, owner, keys) {
      if (keys.length === 0) return;
      await db.run(`DELETE FROM iam_tags WHERE ${OWNER} AND key_folded = ANY($4::text[])`, [account, kind, owner, keys.map(foldTagKey)]);
    },
    async createPolicy(p, document) {
      return db.transaction(async (tx) => {
        if (await tx.one(`SELECT 1 FROM iam_managed_policies WHERE arn = $1`, [p.arn])) return false;
        const n = await tx.run(`INSERT INTO iam_managed_policies (account, policy_name, policy_id, arn, path, description, default_version_id,
            create_date, update_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [p.account, p.policyName, p.policyId, p.arn, p.path, p.description, p.defaultVersionId, p.createDate.getTime(), p.updateDate.getTime()]);
        if (n === 0) return false;
        await tx.run(`INSERT INTO iam_policy_versions (policy_arn, version_id, document, create_date) VALUES ($1, $2, $3, $4)`,
          [p.arn, p.defaultVersionId, document, p.createDate.getTime()]);
        return true;
      });
    },
    async getPolicy(policyArn) {
      const row = await db.one<PolicyRow>(`SELECT * FROM iam_managed_policies WHERE arn = $1`, [policyArn]);
      return row && toPolicy(row);
    },
    async getPolicyVersion(policyArn, versionId): Promise<ManagedPolicyVersion | undefined> {
      const r = await db.one<VersionRow>(`SELECT v.*, p.default_version_id FROM iam_policy_versions v JOIN iam_managed_policies p ON p.arn = v.policy_arn
        WHERE v.policy_arn = $1 AND v.version_id = $2`, [policyArn, versionId]);
      return r && {
        policyArn: r.policy_arn, versionId: r.version_id, document: r.document,
        isDefaultVersion: r.version_id === r.default_version_id, createDate: new Date(r.create_date),
      };
    },
    async listPolicies(account) {
      return (await db.rows<PolicyRow>(`SELECT * FROM iam_managed_policies WHERE account = $1 ORDER BY ${BY_NAME('policy_name')}`, [account])).map(toPolicy);
    },
    async deletePolicy(policyArn) {
      return db.transaction(async (tx) => {
        await tx.run(`DELETE FROM iam_policy_versions WHERE policy_arn = $1`, [policyArn]);
        await tx.run(`DELETE FROM iam_attachments WHERE policy_arn = $1`, [policyArn]);
        return (await tx.run(`DELETE FROM iam_managed_policies WHERE arn = $1`, [policyArn])) > 0;
      });
    },
    async attachmentCount(policyArn) {
      return (await db.one<{ n: number }>(`SELECT COUNT(*) AS n FROM iam_attachments WHERE policy_arn = $1`, [policyArn]))!.n;
    },
    async attachPolicy(account, kind, owner, policyArn) {
      await db.run(`INSERT INTO iam_attachments (account, kind, owner, policy_arn) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [account, kind, owner, policyArn]);
    },
    async detachPolicy(account, kind, owner, policyArn) {
      return (await db.run(`DELETE FROM iam_attachments WHERE ${OWNER} AND policy_arn = $4`, [account, kind, owner, policyArn])) > 0;
    },
    async listAttachedPolicies(account, kind, owner) {
      return (await db.rows<PolicyRow>(`SELECT p.* FROM iam_attachments a JOIN iam_managed_policies p ON p.arn = a.policy_arn
        WHERE a.account = $1 AND a.kind = $2 AND a.owner_ci = lower($3) ORDER BY a.seq`, [account, kind, owner])).map(toPolicy);
    },
    async identityPolicies(account, kind, owner): Promise<NamedPolicyDocument[]> {
      const inline = (await listInline(account, kind, owner)).map((r) => ({ name: r.policy_name, document: r.document }));
      const attached = await db.rows<NamedPolicyDocument>(`SELECT p.policy_name AS name, v.document AS document FROM iam_attachments a
        JOIN iam_managed_policies p ON p.arn = a.policy_arn
        JOIN iam_policy_versions v ON v.policy_arn = p.arn AND v.version_id = p.default_version_id
        WHERE a.account = $1 AND a.kind = $2 AND a.owner_ci = lower($3) ORDER BY a.seq`, [account, kind, owner]);
      return [...inline, ...attached];
    },
  };
}
