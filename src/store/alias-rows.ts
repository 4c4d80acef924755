import type { KmsAlias } from '../domain/key.js';

/** The aliases table's row as both adapters (SQLite and PostgreSQL) read it. */
export interface AliasRow {
  account: string;
  region: string;
  alias_name: string;
  target_key_id: string;
  creation_date: number;
  last_updated_date: number;
}

export const toAlias = (r: AliasRow): KmsAlias => ({
  account: r.account,
  region: r.region,
  aliasName: r.alias_name,
  targetKeyId: r.target_key_id,
  creationDate: new Date(r.creation_date),
  lastUpdatedDate: new Date(r.last_updated_date),
});
