import { writeTransaction } from './transaction.js';
import type Database from 'better-sqlite3';
import { foldTagKey, tagRecord } from '../../domain/principal-tags.js';
import type { IamStore, IamTags, IdentityKind, ManagedPolicy, ManagedPolicyVersion, NamedPolicyDocument } from '../iam-ports.js';
import { toPolicy, toRole, toUser, type PolicyRow, type RoleRow, type UserRow, type VersionRow } from '../iam-rows.js';

/** Thrown inside a tag transaction to roll it back when the quota would be exceeded. */
class TagQuotaExceeded extends Error {}

/** Names sort case-insensitively, ties by code unit, so listings are stable (IAM lists alphabetically). */
const BY_NAME = (col: string) => `${col} COLLATE NOCASE, ${col} COLLATE BINARY`;

export function sqliteIamStore(db: Database.Database): IamStore {
  const q = {
    insertUser: db.prepare(`INSERT OR IGNORE INTO iam_users (account, user_name, user_id, arn, path, create_date) VALUES (?, ?, ?, ?, ?, ?)`),
    getUser: db.prepare(`SELECT * FROM iam_users WHERE account = ? AND user_name = ?`),
    listUsers: db.prepare(`SELECT * FROM iam_users WHERE account = ? ORDER BY ${BY_NAME('user_name')}`),
    deleteUser: db.prepare(`DELETE FROM iam_users WHERE account = ? AND user_name = ?`),
    getUserById: db.prepare(`SELECT * FROM iam_users WHERE user_id = ?`),
    getRoleById: db.prepare(`SELECT * FROM iam_roles WHERE role_id = ?`),
    insertRole: db.prepare(`INSERT OR IGNORE INTO iam_roles (account, role_name, role_id, arn, path, assume_role_policy, description, max_session_duration, create_date)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    getRole: db.prepare(`SELECT * FROM iam_roles WHERE account = ? AND role_name = ?`),
    listRoles: db.prepare(`SELECT * FROM iam_roles WHERE account = ? ORDER BY ${BY_NAME('role_name')}`),
    deleteRole: db.prepare(`DELETE FROM iam_roles WHERE account = ? AND role_name = ?`),
    updateTrust: db.prepare(`UPDATE iam_roles SET assume_role_policy = ? WHERE account = ? AND role_name = ?`),
    putInline: db.prepare(`INSERT INTO iam_inline_policies (account, kind, owner, policy_name, document) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (account, kind, owner, policy_name) DO UPDATE SET document = excluded.document`),
    getInline: db.prepare(`SELECT document FROM iam_inline_policies WHERE account = ? AND kind = ? AND owner = ? AND policy_name = ?`),
    deleteInline: db.prepare(`DELETE FROM iam_inline_policies WHERE account = ? AND kind = ? AND owner = ? AND policy_name = ?`),
    listInline: db.prepare(`SELECT policy_name, document FROM iam_inline_policies WHERE account = ? AND kind = ? AND owner = ?
      ORDER BY ${BY_NAME('policy_name')}`),
    deleteAllInline: db.prepare(`DELETE FROM iam_inline_policies WHERE account = ? AND kind = ? AND owner = ?`),
    insertPolicy: db.prepare(`INSERT OR IGNORE INTO iam_managed_policies
      (account, policy_name, policy_id, arn, path, description, default_version_id, create_date, update_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertVersion: db.prepare(`INSERT INTO iam_policy_versions (policy_arn, version_id, document, create_date) VALUES (?, ?, ?, ?)`),
    getPolicy: db.prepare(`SELECT * FROM iam_managed_policies WHERE arn = ?`),
    getVersion: db.prepare(`SELECT v.*, p.default_version_id FROM iam_policy_versions v JOIN iam_managed_policies p ON p.arn = v.policy_arn
      WHERE v.policy_arn = ? AND v.version_id = ?`),
    listPolicies: db.prepare(`SELECT * FROM iam_managed_policies WHERE account = ? ORDER BY ${BY_NAME('policy_name')}`),
    deletePolicy: db.prepare(`DELETE FROM iam_managed_policies WHERE arn = ?`),
    deleteVersions: db.prepare(`DELETE FROM iam_policy_versions WHERE policy_arn = ?`),
    deletePolicyAttachments: db.prepare(`DELETE FROM iam_attachments WHERE policy_arn = ?`),
    attachmentCount: db.prepare(`SELECT COUNT(*) AS n FROM iam_attachments WHERE policy_arn = ?`),
    attach: db.prepare(`INSERT OR IGNORE INTO iam_attachments (account, kind, owner, policy_arn) VALUES (?, ?, ?, ?)`),
    detach: db.prepare(`DELETE FROM iam_attachments WHERE account = ? AND kind = ? AND owner = ? AND policy_arn = ?`),
    listAttached: db.prepare(`SELECT p.* FROM iam_attachments a JOIN iam_managed_policies p ON p.arn = a.policy_arn
      WHERE a.account = ? AND a.kind = ? AND a.owner = ? ORDER BY a.seq`),
    deleteAllAttachments: db.prepare(`DELETE FROM iam_attachments WHERE account = ? AND kind = ? AND owner = ?`),
    attachedDocuments: db.prepare(`SELECT p.policy_name AS name, v.document AS document FROM iam_attachments a
      JOIN iam_managed_policies p ON p.arn = a.policy_arn
      JOIN iam_policy_versions v ON v.policy_arn = p.arn AND v.version_id = p.default_version_id
      WHERE a.account = ? AND a.kind = ? AND a.owner = ? ORDER BY a.seq`),
    getTags: db.prepare(`SELECT tag_key, tag_value FROM iam_tags WHERE account = ? AND kind = ? AND owner = ? ORDER BY key_folded, tag_key`),
    putTag: db.prepare(`INSERT INTO iam_tags (account, kind, owner, key_folded, tag_key, tag_value) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (account, kind, owner, key_folded) DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value`),
    tagCount: db.prepare(`SELECT COUNT(*) AS n FROM iam_tags WHERE account = ? AND kind = ? AND owner = ?`),
    removeTag: db.prepare(`DELETE FROM iam_tags WHERE account = ? AND kind = ? AND owner = ? AND key_folded = ?`),
    deleteAllTags: db.prepare(`DELETE FROM iam_tags WHERE account = ? AND kind = ? AND owner = ?`),
  };

  const writeTags = (account: string, kind: IdentityKind, owner: string, tags: IamTags) => {
    for (const [k, v] of Object.entries(tags)) q.putTag.run(account, kind, owner, foldTagKey(k), k, v);
  };
  const putTags = writeTransaction(db, (account: string, kind: IdentityKind, owner: string, tags: IamTags, maxTags: number) => {
    writeTags(account, kind, owner, tags);
    if ((q.tagCount.get(account, kind, owner) as { n: number }).n <= maxTags) return true;
    throw new TagQuotaExceeded(); // rolls the transaction back
  });
  const createIdentity = writeTransaction(db, (insert: () => boolean, account: string, kind: IdentityKind, owner: string, tags: IamTags) => {
    if (!insert()) return false;
    q.deleteAllTags.run(account, kind, owner); // leftovers of a namesake never survive a create
    writeTags(account, kind, owner, tags);
    return true;
  });

  // Removing an identity removes what hangs off it, so a later namesake starts clean.
  const removeIdentity = writeTransaction(db, (stmt: Database.Statement, account: string, kind: IdentityKind, name: string) => {
    const row = (kind === 'user' ? q.getUser : q.getRole).get(account, name) as { user_name?: string; role_name?: string } | undefined;
    if (!row) return false;
    const canonical = (row.user_name ?? row.role_name)!;
    q.deleteAllInline.run(account, kind, canonical);
    q.deleteAllAttachments.run(account, kind, canonical);
    q.deleteAllTags.run(account, kind, canonical);
    return stmt.run(account, canonical).changes > 0;
  });
  const createPolicy = writeTransaction(db, (p: ManagedPolicy, document: string) => {
    if (q.getPolicy.get(p.arn)) return false;
    const r = q.insertPolicy.run(p.account, p.policyName, p.policyId, p.arn, p.path, p.description, p.defaultVersionId,
      p.createDate.getTime(), p.updateDate.getTime());
    if (r.changes === 0) return false;
    q.insertVersion.run(p.arn, p.defaultVersionId, document, p.createDate.getTime());
    return true;
  });
  const deletePolicy = writeTransaction(db, (arn: string) => {
    q.deleteVersions.run(arn);
    q.deletePolicyAttachments.run(arn);
    return q.deletePolicy.run(arn).changes > 0;
  });

  return {
    async createUser(u, tags = {}) {
      const insert = () => q.insertUser.run(u.account, u.userName, u.userId, u.arn, u.path, u.createDate.getTime()).changes === 1;
      return createIdentity(insert, u.account, 'user', u.userName, tags);
    },
    async getUser(account, userName) {
      const row = q.getUser.get(account, userName) as UserRow | undefined;
      return row && toUser(row);
    },
    async listUsers(account) {
      return (q.listUsers.all(account) as UserRow[]).map(toUser);
    },
    async deleteUser(account, userName) {
      return removeIdentity(q.deleteUser, account, 'user', userName);
    },
    async getPrincipalById(uniqueId) {
      const user = q.getUserById.get(uniqueId) as UserRow | undefined;
      if (user) return toUser(user);
      const role = q.getRoleById.get(uniqueId) as RoleRow | undefined;
      return role && toRole(role);
    },
    async createRole(r, tags = {}) {
      const insert = () => q.insertRole.run(r.account, r.roleName, r.roleId, r.arn, r.path, r.assumeRolePolicyDocument, r.description,
        r.maxSessionDuration, r.createDate.getTime()).changes === 1;
      return createIdentity(insert, r.account, 'role', r.roleName, tags);
    },
    async getRole(account, roleName) {
      const row = q.getRole.get(account, roleName) as RoleRow | undefined;
      return row && toRole(row);
    },
    async listRoles(account) {
      return (q.listRoles.all(account) as RoleRow[]).map(toRole);
    },
    async deleteRole(account, roleName) {
      return removeIdentity(q.deleteRole, account, 'role', roleName);
    },
    async updateAssumeRolePolicy(account, roleName, document) {
      return q.updateTrust.run(document, account, roleName).changes > 0;
    },
    async putInlinePolicy(account, kind, owner, policy) {
      q.putInline.run(account, kind, owner, policy.name, policy.document);
    },
    async getInlinePolicy(account, kind, owner, policyName) {
      return (q.getInline.get(account, kind, owner, policyName) as { document: string } | undefined)?.document;
    },
    async deleteInlinePolicy(account, kind, owner, policyName) {
      return q.deleteInline.run(account, kind, owner, policyName).changes > 0;
    },
    async listInlinePolicies(account, kind, owner) {
      return (q.listInline.all(account, kind, owner) as { policy_name: string }[]).map((r) => r.policy_name);
    },
    async getTags(account, kind, owner) {
      const rows = q.getTags.all(account, kind, owner) as { tag_key: string; tag_value: string }[];
      return tagRecord(rows.map((r) => [r.tag_key, r.tag_value] as const));
    },
    async putTags(account, kind, owner, tags, maxTags) {
      try {
        return putTags(account, kind, owner, tags, maxTags);
      } catch (e) {
        if (e instanceof TagQuotaExceeded) return false;
        throw e;
      }
    },
    async removeTags(account, kind, owner, keys) {
      writeTransaction(db, () => {
        for (const k of keys) q.removeTag.run(account, kind, owner, foldTagKey(k));
      })();
    },
    async createPolicy(policy, document) {
      return createPolicy(policy, document);
    },
    async getPolicy(policyArn) {
      const row = q.getPolicy.get(policyArn) as PolicyRow | undefined;
      return row && toPolicy(row);
    },
    async getPolicyVersion(policyArn, versionId): Promise<ManagedPolicyVersion | undefined> {
      const r = q.getVersion.get(policyArn, versionId) as VersionRow | undefined;
      return r && {
        policyArn: r.policy_arn, versionId: r.version_id, document: r.document,
        isDefaultVersion: r.version_id === r.default_version_id, createDate: new Date(r.create_date),
      };
    },
    async listPolicies(account) {
      return (q.listPolicies.all(account) as PolicyRow[]).map(toPolicy);
    },
    async deletePolicy(policyArn) {
      return deletePolicy(policyArn);
    },
    async attachmentCount(policyArn) {
      return (q.attachmentCount.get(policyArn) as { n: number }).n;
    },
    async attachPolicy(account, kind, owner, policyArn) {
      q.attach.run(account, kind, owner, policyArn);
    },
    async detachPolicy(account, kind, owner, policyArn) {
      return q.detach.run(account, kind, owner, policyArn).changes > 0;
    },
    async listAttachedPolicies(account, kind, owner) {
      return (q.listAttached.all(account, kind, owner) as PolicyRow[]).map(toPolicy);
    },
    async identityPolicies(account, kind, owner): Promise<NamedPolicyDocument[]> {
      const inline = (q.listInline.all(account, kind, owner) as { policy_name: string; document: string }[])
        .map((r) => ({ name: r.policy_name, document: r.document }));
      return [...inline, ...(q.attachedDocuments.all(account, kind, owner) as NamedPolicyDocument[])];
    },
  };
}
