import type { ContextValue, RequestContext, RequestPrincipal } from './types.js';

/**
 * Condition-key lookup for one request. Key names are case-insensitive (IAM User Guide, "IAM
 * policy elements: Variables and tags": "Key names are case-insensitive"). Keys that AWS derives
 * from the principal (aws:PrincipalArn, aws:username, …) are added unless the caller supplied them.
 * The lowercase index is built lazily: statements without conditions never pay for it.
 */
export class ConditionContext {
  private names: string[] | undefined;

  constructor(readonly request: RequestContext) {}

  /**
   * `keyLower` is the policy's key lowercased, `key` as written: an exact-case hit is the fast
   * path; otherwise the request's keys are scanned case-insensitively (requests carry few keys,
   * so a scan beats building an index). Keys derived from the principal come last.
   */
  get(keyLower: string, key?: string): ContextValue | undefined {
    const keys = this.request.conditionKeys;
    if (key !== undefined && Object.hasOwn(keys, key)) return keys[key];
    const names = (this.names ??= Object.keys(keys));
    for (const name of names) {
      // A key explicitly set to undefined hides a derived key.
      if (name.length === keyLower.length && name.toLowerCase() === keyLower) return keys[name];
    }
    return derivedKey(keyLower, this.request.principal, this.request.resourceAccount);
  }

  /** Value of a policy variable: single-valued keys only (multivalued keys cannot be variables). */
  variable(keyLower: string): string | undefined {
    const v = this.get(keyLower);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return undefined;
  }
}

// IAM User Guide, "AWS global condition context keys" (aws:PrincipalArn, aws:PrincipalType, …)
// and KMS Developer Guide, "kms:CallerAccount".
const PRINCIPAL_TYPE = { Root: 'Account', IAMUser: 'User', AssumedRole: 'AssumedRole', FederatedUser: 'FederatedUser', Service: undefined, Anonymous: 'Anonymous' } as const;

function derivedKey(keyLower: string, p: RequestPrincipal, resourceAccount: string): ContextValue | undefined {
  // An anonymous caller has no ARN or account of its own (only aws:PrincipalType = Anonymous).
  const service = p.type === 'Service' || p.type === 'Anonymous';
  switch (keyLower) {
    case 'aws:resourceaccount': return resourceAccount;
    case 'aws:principalisawsservice': return service;
    case 'aws:principalservicename': return service ? p.service : undefined;
    case 'aws:principalarn': return service ? undefined : p.type === 'AssumedRole' ? (p.roleArn ?? p.arn) : p.arn;
    case 'aws:principalaccount':
    case 'kms:calleraccount': return service ? undefined : p.account;
    case 'aws:principaltype': return PRINCIPAL_TYPE[p.type];
    case 'aws:username': return p.type === 'IAMUser' ? p.userName : undefined;
    case 'aws:userid': return p.userId ?? (p.type === 'Root' ? p.account : undefined);
    default: return undefined;
  }
}

/** Request values as strings: booleans → "true"/"false", numbers → decimal text. */
export function contextStrings(v: ContextValue): readonly string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'boolean' || typeof v === 'number') return [String(v)];
  return v;
}
