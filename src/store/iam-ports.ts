/**
 * Storage ports for IAM principals and policies, and STS sessions. Secrets (session secret
 * keys) cross this boundary only wrapped under the root key; session tokens only as hashes.
 */

export interface IamUser {
  account: string;
  userName: string;
  /** AIDA… */
  userId: string;
  arn: string;
  path: string;
  createDate: Date;
}

export interface IamRole {
  account: string;
  roleName: string;
  /** AROA… */
  roleId: string;
  arn: string;
  path: string;
  /** Trust policy document, as given. */
  assumeRolePolicyDocument: string;
  description: string;
  /** Seconds, 3600–43200. */
  maxSessionDuration: number;
  createDate: Date;
}

export interface ManagedPolicy {
  account: string;
  policyName: string;
  /** ANPA… */
  policyId: string;
  arn: string;
  path: string;
  description: string;
  defaultVersionId: string;
  createDate: Date;
  updateDate: Date;
}

export interface ManagedPolicyVersion {
  policyArn: string;
  versionId: string;
  document: string;
  isDefaultVersion: boolean;
  createDate: Date;
}

export type IdentityKind = 'user' | 'role';

export interface NamedPolicyDocument {
  name: string;
  document: string;
}

/**
 * Tags of a user or role (IAM User Guide, "Tagging IAM resources"): keys are unique regardless
 * of case, the spelling last written is kept; values are case-sensitive.
 */
export type IamTags = Record<string, string>;

export interface IamStore {
  /** false when a user of that name already exists in the account. `tags` are stored with the user, atomically. */
  createUser(user: IamUser, tags?: IamTags): Promise<boolean>;
  getUser(account: string, userName: string): Promise<IamUser | undefined>;
  listUsers(account: string): Promise<IamUser[]>;
  deleteUser(account: string, userName: string): Promise<boolean>;
  /** The user (AIDA…) or role (AROA…) with this unique id, in any account; undefined once deleted. */
  getPrincipalById(uniqueId: string): Promise<IamUser | IamRole | undefined>;

  createRole(role: IamRole, tags?: IamTags): Promise<boolean>;
  getRole(account: string, roleName: string): Promise<IamRole | undefined>;
  listRoles(account: string): Promise<IamRole[]>;
  deleteRole(account: string, roleName: string): Promise<boolean>;
  updateAssumeRolePolicy(account: string, roleName: string, document: string): Promise<boolean>;

  /** Inline policies of a user or role (created or replaced). */
  putInlinePolicy(account: string, kind: IdentityKind, owner: string, policy: NamedPolicyDocument): Promise<void>;
  getInlinePolicy(account: string, kind: IdentityKind, owner: string, policyName: string): Promise<string | undefined>;
  deleteInlinePolicy(account: string, kind: IdentityKind, owner: string, policyName: string): Promise<boolean>;
  listInlinePolicies(account: string, kind: IdentityKind, owner: string): Promise<string[]>;

  /** Tags of a user or role, by key (case-insensitive, then binary order); empty when none. */
  getTags(account: string, kind: IdentityKind, owner: string): Promise<IamTags>;
  /**
   * Adds or replaces tags; a key matching an existing one regardless of case replaces it (key
   * spelling and value). false, and nothing written, when the result would exceed `maxTags`.
   */
  putTags(account: string, kind: IdentityKind, owner: string, tags: IamTags, maxTags: number): Promise<boolean>;
  /** Removes tags by key, regardless of case; absent keys are ignored. */
  removeTags(account: string, kind: IdentityKind, owner: string, keys: readonly string[]): Promise<void>;

  /** Creates the policy with its first version `v1` as default; false when the ARN exists. */
  createPolicy(policy: ManagedPolicy, document: string): Promise<boolean>;
  getPolicy(policyArn: string): Promise<ManagedPolicy | undefined>;
  getPolicyVersion(policyArn: string, versionId: string): Promise<ManagedPolicyVersion | undefined>;
  listPolicies(account: string): Promise<ManagedPolicy[]>;
  deletePolicy(policyArn: string): Promise<boolean>;
  /** How many users and roles have the policy attached. */
  attachmentCount(policyArn: string): Promise<number>;

  attachPolicy(account: string, kind: IdentityKind, owner: string, policyArn: string): Promise<void>;
  detachPolicy(account: string, kind: IdentityKind, owner: string, policyArn: string): Promise<boolean>;
  listAttachedPolicies(account: string, kind: IdentityKind, owner: string): Promise<ManagedPolicy[]>;

  /**
   * Every identity policy document in force for a user or role: inline policies and the
   * default versions of attached managed policies. On the authorization hot path.
   */
  identityPolicies(account: string, kind: IdentityKind, owner: string): Promise<NamedPolicyDocument[]>;
}

export type SessionPrincipalType = 'AssumedRole' | 'FederatedUser' | 'IAMUser' | 'Root';

/** Temporary credentials issued by STS (ASIA… access keys). */
export interface StsSession {
  accessKeyId: string;
  /** Secret access key wrapped under the root key. */
  wrappedSecret: Buffer;
  /** SHA-256 of the session token (hex); the token itself is never stored. */
  sessionTokenSha256: string;
  account: string;
  principalType: SessionPrincipalType;
  /** arn:aws:sts::<acct>:assumed-role/<role>/<session>, …:federated-user/<name>, or the user/root ARN (GetSessionToken). */
  principalArn: string;
  /** AROA…:<session>, <acct>:<name>, AIDA…, or the account id. */
  principalId: string;
  /** For role sessions: the role's ARN; for federated users and GetSessionToken: the issuing user's ARN. */
  issuerArn: string;
  /** Role name (role sessions) or user name (GetSessionToken / federation issuer). */
  issuerName: string;
  /**
   * Unique id (AROA…, AIDA…) of the role or user behind the session; absent for the root and for
   * sessions stored before it was recorded. The session stops working once that identity is deleted.
   */
  issuerId?: string;
  sessionName?: string;
  /** Session policy documents passed at creation (AssumeRole Policy, GetFederationToken Policy). */
  sessionPolicies: string[];
  /**
   * Session tags (IAM User Guide, "Passing session tags in AWS STS"): those passed at creation plus
   * the transitive tags inherited from the calling session in a role chain. Empty when none.
   */
  tags: Record<string, string>;
  /** Keys of `tags` that pass on to sessions this session creates by role chaining. */
  transitiveTagKeys: string[];
  expiration: Date;
  createdAt: Date;
}

export interface SessionStore {
  put(session: StsSession): Promise<void>;
  get(accessKeyId: string): Promise<StsSession | undefined>;
  /** Removes sessions that expired before `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
