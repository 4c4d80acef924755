import { tagRecord } from '../domain/principal-tags.js';
import type { SessionPrincipalType, StsSession } from './iam-ports.js';

/** The STS sessions table's row as both adapters (SQLite and PostgreSQL) read it. */
export interface SessionRow {
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

export function toSession(r: SessionRow): StsSession {
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
