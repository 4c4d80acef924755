import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CredentialStore, Store } from '../ports.js';
import { sqliteAliasStore, sqliteTagStore } from './sqlite-aliases.js';
import { sqliteAuditStore } from './sqlite-audit.js';
import { sqliteGrantStore } from './sqlite-grants.js';
import { sqliteIamStore } from './sqlite-iam.js';
import { sqliteSessionStore } from './sqlite-sessions.js';
import { sqliteKeyStore } from './sqlite-keys.js';
import { migrate } from './schema.js';
import { toAccessKey, type AccessKeyRow } from '../access-key-rows.js';

/** WAL pages past which a connection that leaves checkpoints to the background thread checkpoints anyway (~40 MiB). */
export const BACKGROUND_SAFETY_PAGES = 10_000;

export interface DatabaseOptions {
  /** A WAL checkpointer thread runs (wal-checkpointer.ts): this connection's commits do not checkpoint, up to BACKGROUND_SAFETY_PAGES. */
  backgroundCheckpoints?: boolean;
}

/** One connection to the store's file, set up as every connection to it must be. */
export function openDatabase(path: string, options: DatabaseOptions = {}): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  if (path !== ':memory:') chmodSync(path, 0o600); // SQLite gives its -wal and -shm files the same mode
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = ON'); // destroyed key material is overwritten, not just unlinked
  db.pragma('busy_timeout = 5000');
  if (options.backgroundCheckpoints) db.pragma(`wal_autocheckpoint = ${BACKGROUND_SAFETY_PAGES}`);
  return db;
}

/**
 * The embedded default store: one SQLite file in WAL mode. synchronous=FULL so that a write
 * acknowledged to a client survives a crash of the process or the machine.
 */
export function openSqliteStore(path: string, options: DatabaseOptions = {}): Store {
  const db = openDatabase(path, options);
  migrate(db);
  const changeCount = db.prepare('SELECT n FROM store_changes WHERE id = 0').pluck();
  return {
    keys: sqliteKeyStore(db),
    aliases: sqliteAliasStore(db),
    tags: sqliteTagStore(db),
    credentials: sqliteCredentialStore(db),
    iam: sqliteIamStore(db),
    sessions: sqliteSessionStore(db),
    grants: sqliteGrantStore(db),
    audit: sqliteAuditStore(db),
    async ping() {
      return db.prepare('SELECT 1 AS ok').get() !== undefined;
    },
    async changeCount() {
      return changeCount.get() as number;
    },
    async close() {
      db.close();
    },
  };
}

function sqliteCredentialStore(db: Database.Database): CredentialStore {
  const insertAccount = db.prepare(`INSERT OR IGNORE INTO accounts (account, created_at) VALUES (?, ?)`);
  const accounts = db.prepare(`SELECT account FROM accounts ORDER BY account`);
  const insertKey = db.prepare(`INSERT INTO access_keys (access_key_id, account, principal_type, principal_arn, principal_id, wrapped_secret, status, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const setStatus = db.prepare(`UPDATE access_keys SET status = ? WHERE access_key_id = ?`);
  const deleteKey = db.prepare(`DELETE FROM access_keys WHERE access_key_id = ?`);
  const selectKey = db.prepare(`SELECT * FROM access_keys WHERE access_key_id = ?`);
  const selectKeys = db.prepare(`SELECT * FROM access_keys WHERE account = ? ORDER BY created_at, access_key_id`);
  return {
    async ensureAccount(account, createdAt) {
      insertAccount.run(account, createdAt.getTime());
    },
    async listAccounts() {
      return (accounts.all() as { account: string }[]).map((r) => r.account);
    },
    async putAccessKey(k) {
      insertKey.run(k.accessKeyId, k.account, k.principalType, k.principalArn, k.principalId, k.wrappedSecret, k.status, k.createdAt.getTime());
    },
    async getAccessKey(id) {
      const row = selectKey.get(id) as AccessKeyRow | undefined;
      return row && toAccessKey(row);
    },
    async listAccessKeys(account) {
      return (selectKeys.all(account) as AccessKeyRow[]).map(toAccessKey);
    },
    async setAccessKeyStatus(id, status) {
      return setStatus.run(status, id).changes > 0;
    },
    async deleteAccessKey(id) {
      return deleteKey.run(id).changes > 0;
    },
  };
}
