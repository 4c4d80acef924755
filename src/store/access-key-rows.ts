import type { AccessKeyRecord } from './ports.js';

/** The access keys table's row as both adapters (SQLite and PostgreSQL) read it. */
export interface AccessKeyRow {
  access_key_id: string;
  account: string;
  principal_type: string;
  principal_arn: string;
  principal_id: string;
  wrapped_secret: Buffer;
  status: string;
  created_at: number;
}

export const toAccessKey = (r: AccessKeyRow): AccessKeyRecord => ({
  accessKeyId: r.access_key_id,
  account: r.account,
  principalType: r.principal_type as AccessKeyRecord['principalType'],
  principalArn: r.principal_arn,
  principalId: r.principal_id,
  wrappedSecret: r.wrapped_secret,
  status: r.status as AccessKeyRecord['status'],
  createdAt: new Date(r.created_at),
});
