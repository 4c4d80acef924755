import type { GrantConstraints, KmsGrant } from './grant-ports.js';
import { InvalidPagePositionError, type Page } from './ports.js';

/** The grants table's row as both adapters (SQLite and PostgreSQL) read and write it. */
export interface GrantRow {
  seq: number;
  account: string;
  region: string;
  key_id: string;
  grant_id: string;
  name: string | null;
  grantee_principal: string;
  retiring_principal: string | null;
  operations: string;
  constraints: string | null;
  issuing_account: string;
  creation_date: number;
  grant_token_sha256: string;
}

export function toGrant(r: GrantRow): KmsGrant {
  const grant: KmsGrant = {
    account: r.account,
    region: r.region,
    keyId: r.key_id,
    grantId: r.grant_id,
    granteePrincipal: r.grantee_principal,
    operations: JSON.parse(r.operations) as string[],
    issuingAccount: r.issuing_account,
    creationDate: new Date(r.creation_date),
    grantTokenSha256: r.grant_token_sha256,
  };
  if (r.name !== null) grant.name = r.name;
  if (r.retiring_principal !== null) grant.retiringPrincipal = r.retiring_principal;
  if (r.constraints !== null) grant.constraints = JSON.parse(r.constraints) as GrantConstraints;
  return grant;
}

/** Only the constraint members, so that nothing else ever reaches the column. */
export function constraintsJson(c: GrantConstraints | undefined): string | null {
  if (!c) return null;
  const out: GrantConstraints = {};
  if (c.EncryptionContextEquals) out.EncryptionContextEquals = c.EncryptionContextEquals;
  if (c.EncryptionContextSubset) out.EncryptionContextSubset = c.EncryptionContextSubset;
  return JSON.stringify(out);
}

/** A page's position: the last grant's seq (the `next` of the page before). */
export function grantPosition(after: string | undefined): number {
  if (after === undefined) return 0;
  if (!/^\d{1,15}$/.test(after)) throw new InvalidPagePositionError();
  return Number(after);
}

/** Up to `limit` grants of `rows` (read one more than `limit` to know whether a next page exists). */
export function grantPage(rows: GrantRow[], limit: number): Page<KmsGrant> {
  const items = rows.slice(0, limit);
  return { items: items.map(toGrant), next: rows.length > limit ? String(items[items.length - 1]!.seq) : undefined };
}
