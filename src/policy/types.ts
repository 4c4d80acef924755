/**
 * Request and decision types of the policy engine. The engine is pure: callers (the KMS service)
 * gather the caller's principal, the policies that apply and the condition keys of the request.
 */

/** 'Anonymous': an S3 request with no signature at all (allowed only by a policy naming Principal "*"). */
export type PrincipalType = 'Root' | 'IAMUser' | 'AssumedRole' | 'FederatedUser' | 'Service' | 'Anonymous';

export interface RequestPrincipal {
  /** Caller ARN: `…:root`, `…:user/x`, `arn:aws:sts::…:assumed-role/R/s`, `…:federated-user/x`. */
  arn: string;
  account: string;
  type: PrincipalType;
  /** IAM role ARN (with path) when the caller is an assumed-role session. */
  roleArn?: string;
  userName?: string;
  /** Unique id: `AIDA…` for users, `AROA…:session` for role sessions. */
  userId?: string;
  /** Service principal name, e.g. `s3.amazonaws.com`, when type is 'Service'. */
  service?: string;
}

/** A request-context value. Arrays are multivalued keys (aws:TagKeys, …). */
export type ContextValue = string | readonly string[] | boolean | number;

export interface RequestContext {
  principal: RequestPrincipal;
  /** `kms:Decrypt` (matched case-insensitively). */
  action: string;
  /** Key ARN (for Decrypt, the key recorded in the ciphertext). */
  resource: string;
  /** Account that owns the key. */
  resourceAccount: string;
  /** Condition keys by name (names are case-insensitive): `kms:EncryptionContext:app`, `aws:SourceIp`… */
  conditionKeys: Record<string, ContextValue | undefined>;
}

export interface PolicyInput {
  keyPolicy: string;
  /** Caller's identity policies (users: attached + inline + groups; sessions: the role's policies). */
  identityPolicies: { name: string; document: string }[];
  /** Session policies passed when the session was created; they bound identity permissions. */
  sessionPolicies?: string[];
  /** A grant allowed the operation (grants and their constraints are evaluated by the caller). */
  grantsAllow?: boolean;
  grantId?: string;
}

export type DenyReason =
  | 'explicitDenyResource'
  | 'explicitDenyIdentity'
  | 'explicitDenySession'
  | 'noResourceAllow'
  | 'noIdentityAllow'
  | 'noSessionAllow';

export type Decision =
  | { allowed: true; by: 'keyPolicy' | 'identityPolicy' | 'grant'; grantId?: string }
  | { allowed: false; reason: DenyReason };

export type Denial = Decision & { allowed: false };
