import type { Clock } from '../util/clock.js';
import type { Random } from '../crypto/random.js';
import type { RequestPrincipal } from '../policy/types.js';

/**
 * Who is calling. Services see this, never an HTTP request.
 * - Root: arn `arn:aws:iam::<acct>:root`, userId = account id.
 * - IAMUser: arn `arn:aws:iam::<acct>:user/<path><name>`, userName, userId AIDA…
 * - AssumedRole: arn `arn:aws:sts::<acct>:assumed-role/<role>/<session>`, roleArn, roleName, sessionName, userId AROA…:<session>.
 * - FederatedUser: arn `arn:aws:sts::<acct>:federated-user/<name>`, issuer = the IAM user that called GetFederationToken.
 * Sessions from GetSessionToken keep the type and ARN of the user (or root) that asked for them.
 */
export interface Principal extends RequestPrincipal {
  accessKeyId: string;
  /** Set for temporary (STS) credentials. */
  session?: {
    /** The role (AssumedRole) or user (FederatedUser, GetSessionToken) the session came from. */
    issuerArn: string;
    issuerName: string;
    sessionName?: string;
    /** Session policies passed when the session was created; they bound identity permissions. */
    sessionPolicies: string[];
    expiration: Date;
  };
  roleName?: string;
  /**
   * Principal tags, the values of `aws:PrincipalTag/<key>` (IAM User Guide, "Controlling access to
   * and for IAM users and roles using tags"; "Passing session tags in AWS STS"): a user's tags; for a
   * role session the role's tags overridden by the session tags; for a federated user the issuing
   * user's tags overridden by the session tags. Absent or empty when there are none.
   */
  tags?: Record<string, string>;
}

/** Everything an operation may know about its call, injected by the protocol layer. */
export interface CallContext {
  principal: Principal;
  /** The caller's account (the access key's owner). */
  account: string;
  /** The region from the request's SigV4 credential scope. */
  region: string;
  sourceIp: string;
  /** Whether the request came over TLS (aws:SecureTransport). */
  secureTransport: boolean;
  userAgent: string;
  /**
   * Set when an integrated service (e.g. `s3.us-east-1.amazonaws.com`) calls KMS on the
   * principal's behalf: it becomes kms:ViaService (KMS Developer Guide, "kms:ViaService").
   */
  viaService?: string;
  requestId: string;
  clock: Clock;
  random: Random;
  /**
   * The server's record of the KMS keys (ARNs) this call was authorized to use; the authorizer adds
   * each key it allows. Only their owners get a copy of the call's audit record (finding: a caller
   * without access must not write into the key owner's trail).
   */
  authorizedKeys?: Set<string>;
}
