import type { RequestPrincipal } from './types.js';

/**
 * Principal / NotPrincipal (IAM User Guide, "AWS JSON policy elements: Principal" and
 * "NotPrincipal"). An account (`"111122223333"` or `arn:aws:iam::111122223333:root`) names the
 * account, which in KMS delegates to its IAM policies; a role ARN matches that role's sessions;
 * no partial wildcards are allowed in principal ARNs.
 */
export interface PrincipalSpec {
  readonly any: boolean;
  /** Exact IAM/STS ARNs, including normalized account-root ARNs. */
  readonly arns: ReadonlySet<string>;
  /** Accounts named by id or root ARN. */
  readonly accounts: ReadonlySet<string>;
  /** Unique ids (AIDA…, AROA…), which AWS shows when a named principal was deleted. */
  readonly ids: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  readonly federated: ReadonlySet<string>;
  readonly canonical: ReadonlySet<string>;
  /** As written, each type's values as an array (for explanations). */
  readonly raw: Readonly<Record<string, readonly string[]>> | '*';
}

const PARTITION = 'aws(?:-cn|-us-gov|-iso(?:-[a-z])?)?';
const ROOT = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):root$`);
const IAM_ENTITY = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:(?:user|role)/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]+$`);
const STS_SESSION = new RegExp(`^arn:${PARTITION}:sts::\\d{12}:(?:assumed-role/[\\w+=,.@-]+/[\\w+=,.@-]+|federated-user/[\\w+=,.@-]+)$`);
const ACCOUNT_ID = /^\d{12}$/;
const UNIQUE_ID = /^A[A-Z0-9]{15,127}$/;
const SERVICE = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/i;
const CANONICAL = /^[0-9a-f]{64}$/i;
const TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

export const accountRoot = (account: string) => `arn:aws:iam::${account}:root`;

/** Returns undefined when the value is not a valid principal element. */
export function compilePrincipal(value: unknown): PrincipalSpec | undefined {
  const arns = new Set<string>();
  const accounts = new Set<string>();
  const ids = new Set<string>();
  const services = new Set<string>();
  const federated = new Set<string>();
  const canonical = new Set<string>();
  const spec = { arns, accounts, ids, services, federated, canonical };
  if (value === '*') return { any: true, ...spec, raw: '*' };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return undefined;
  const raw: Record<string, string[]> = {};
  let any = false;
  for (const [type, v] of entries) {
    const values = Array.isArray(v) ? v : [v];
    if (!TYPES.has(type) || values.length === 0 || !values.every((x) => typeof x === 'string' && x.length > 0)) {
      return undefined;
    }
    raw[type] = values as string[];
    for (const s of values as string[]) {
      if (type === 'AWS') {
        if (s === '*') any = true;
        else if (ACCOUNT_ID.test(s)) (accounts.add(s), arns.add(accountRoot(s)));
        else if (ROOT.test(s)) (accounts.add(ROOT.exec(s)![1]), arns.add(s));
        else if (IAM_ENTITY.test(s) || STS_SESSION.test(s)) arns.add(s);
        else if (UNIQUE_ID.test(s)) ids.add(s);
        else return undefined;
      } else if (type === 'Service') {
        if (s === '*') any = true;
        else if (SERVICE.test(s)) services.add(s);
        else return undefined;
      } else if (type === 'Federated') federated.add(s);
      else if (CANONICAL.test(s)) canonical.add(s.toLowerCase());
      else return undefined;
    }
  }
  return { any, ...spec, raw };
}

/** How a statement's principal element relates to the caller. */
export interface PrincipalMatch {
  /** The caller itself is named (or covered by `*`). */
  readonly caller: boolean;
  /** The caller's account is named: for Allow this is delegation to IAM policies. */
  readonly account: boolean;
  /** The caller's exact session ARN is named (not bounded by session policies). */
  readonly exactSession: boolean;
}

const NONE: PrincipalMatch = { caller: false, account: false, exactSession: false };
const BOTH: PrincipalMatch = { caller: true, account: true, exactSession: false };

export function matchPrincipal(spec: PrincipalSpec, p: RequestPrincipal): PrincipalMatch {
  if (spec.any) return BOTH;
  if (p.type === 'Service') return p.service !== undefined && spec.services.has(p.service) ? { ...NONE, caller: true } : NONE;
  const account = spec.accounts.has(p.account);
  const exactSession = p.type === 'AssumedRole' && spec.arns.has(p.arn);
  const caller =
    spec.arns.has(p.arn) ||
    (p.type === 'Root' && account) ||
    (p.roleArn !== undefined && spec.arns.has(p.roleArn)) ||
    (spec.ids.size > 0 && p.userId !== undefined && (spec.ids.has(p.userId) || spec.ids.has(p.userId.split(':')[0])));
  if (!caller && !account) return NONE;
  return { caller, account, exactSession };
}

/**
 * The caller's identity chain, each level of which AWS may evaluate against NotPrincipal
 * ("AWS might validate the account first, then the role, and then the assumed-role user").
 */
export function identityChain(p: RequestPrincipal): string[] {
  if (p.type === 'Service') return [p.service ?? ''];
  if (p.type === 'Root') return [accountRoot(p.account)];
  if (p.type === 'AssumedRole' && p.roleArn) return [accountRoot(p.account), p.roleArn, p.arn];
  return [accountRoot(p.account), p.arn];
}

/** NotPrincipal: the caller escapes the statement only if every level of its chain is listed. */
export function matchNotPrincipal(spec: PrincipalSpec, p: RequestPrincipal): PrincipalMatch {
  if (spec.any) return NONE;
  if (p.type === 'Service') return p.service !== undefined && spec.services.has(p.service) ? NONE : { ...NONE, caller: true };
  const accountListed = spec.accounts.has(p.account);
  const excluded = identityChain(p).every((level, i) => (i === 0 ? accountListed : levelListed(spec, p, level)));
  return { caller: !excluded, account: !accountListed, exactSession: false };
}

/** A level of the chain is listed by its ARN or, for the user or role itself, by its unique id (a saved policy's form). */
function levelListed(spec: PrincipalSpec, p: RequestPrincipal, level: string): boolean {
  if (spec.arns.has(level)) return true;
  if (spec.ids.size === 0 || p.userId === undefined) return false;
  if (p.type === 'IAMUser' && level === p.arn) return spec.ids.has(p.userId);
  if (p.type === 'AssumedRole' && level === p.roleArn) return spec.ids.has(p.userId.split(':')[0]);
  return false;
}
