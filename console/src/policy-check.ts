/**
 * A client-side preview of KMS's lockout safety check (KMS Developer Guide, "Default key policy":
 * the new policy must allow the caller to call PutKeyPolicy). The server decides: PutKeyPolicy
 * answers MalformedPolicyDocumentException unless BypassPolicyLockoutSafetyCheck is set. This
 * only warns early; it does not evaluate IAM policies, conditions or NotPrincipal.
 */
type Stmt = { Effect?: string; Principal?: unknown; Action?: unknown; NotAction?: unknown; Condition?: unknown };

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.split('?').map((x) => x.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('.')).join('.*')}$`, 'i');
  return re.test(value);
}

function principals(p: unknown): string[] {
  if (p === '*') return ['*'];
  if (p && typeof p === 'object') return list((p as { AWS?: unknown }).AWS);
  return [];
}

function names(stmt: Stmt, callerArn: string, account: string): boolean {
  return principals(stmt.Principal).some((p) => p === '*' || p === callerArn || p === account || p === `arn:aws:iam::${account}:root` || wildcard(p, callerArn));
}

function coversPutKeyPolicy(stmt: Stmt): boolean {
  if (stmt.NotAction !== undefined) return !list(stmt.NotAction).some((a) => wildcard(a, 'kms:PutKeyPolicy'));
  return list(stmt.Action).some((a) => wildcard(a, 'kms:PutKeyPolicy'));
}

/** A sentence when the policy would lock the caller out, or '' when it looks safe. */
export function lockoutWarning(doc: unknown, callerArn: string, account: string): string {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return 'the policy must be a JSON object';
  const raw = (doc as { Statement?: unknown }).Statement;
  if (raw === undefined) return 'the policy has no Statement';
  const stmts = (Array.isArray(raw) ? raw : [raw]) as Stmt[];
  const deny = stmts.find((s) => s.Effect === 'Deny' && s.Condition === undefined && names(s, callerArn, account) && coversPutKeyPolicy(s));
  if (deny) return `a Deny statement covers kms:PutKeyPolicy for you (${callerArn}); KMS will refuse this policy unless the lockout check is bypassed`;
  const allow = stmts.some((s) => s.Effect === 'Allow' && names(s, callerArn, account) && coversPutKeyPolicy(s));
  if (!allow) return `no Allow statement lets you (${callerArn}) or account ${account} call kms:PutKeyPolicy afterwards; KMS will refuse this policy unless the lockout check is bypassed`;
  return '';
}
