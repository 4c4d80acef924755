import type { AwsError } from '../errors/aws-error.js';
import type { Principal } from '../domain/call-context.js';

/** The services whose calls the audit trail records, by their SigV4 signing names. */
export type AuditedService = 'kms' | 'iam' | 'sts' | 'cloudtrail' | 'locksmith';

/** `locksmith`: Locksmith's own API (LocksmithService.*, src/protocols/locksmith-json.ts). */
export const AUDITED_SERVICES: readonly string[] = ['kms', 'iam', 'sts', 'cloudtrail', 'locksmith'];

/**
 * What the server learns about one API call while serving it, for the audit trail. The server
 * fills in who and where; the protocol layer fills in the operation, the parsed request and the
 * result as far as serving got, so a failure still tells what was attempted. Services never see it.
 */
export interface ApiCallTrace {
  requestId: string;
  /** When the request arrived. */
  eventTime: Date;
  sourceIp: string;
  userAgent: string;
  service?: AuditedService;
  /** The region of the request's SigV4 credential scope. */
  region?: string;
  /** The authenticated caller or, when authentication failed, the owner of the access key used. */
  principal?: Principal;
  /** Authentication failed: the request's members are not recorded. */
  unauthenticated?: boolean;
  /** Set when an integrated service calls on the principal's behalf (CallContext.viaService). */
  viaService?: string;
  operation?: string;
  /** The request as parsed: a JSON value (awsJson) or the form members (awsQuery). */
  request?: unknown;
  /** The operation's result, before serialization (Buffers and Dates as the service returned them). */
  output?: unknown;
  error?: AwsError;
  /**
   * Audit first: the protocol layer calls this once the request is decoded and before the
   * operation runs, so the record's request part (requestParameters, resources named by the
   * request) is built while nothing has changed yet. It throws an AwsError when the request cannot
   * be recorded, and the call is refused unchanged.
   */
  prepare?: () => Promise<void>;
  /** prepare() committed the call's intent: its record must settle it. */
  intentWritten?: boolean;
  /** What prepare() built: the record's requestParameters, final before the operation runs. */
  prepared?: { requestParameters: Record<string, unknown> | null };
  /** KMS keys (ARNs) the caller was authorized to use in this call: only these owners get a copy of the record. */
  authorizedKeys?: Set<string>;
  /** An S3 call (its records are built by s3-events.ts). */
  s3?: S3CallFacts;
}

/** What the S3 row learns about a call for its CloudTrail record; never object bytes. */
export interface S3CallFacts {
  region: string;
  bucket?: string;
  key?: string;
  /** Object-level calls are data events. */
  dataEvent: boolean;
  host?: string;
  /** The account owning the bucket, when it exists. */
  bucketAccount?: string;
}

/** The part of a trace the protocol layer fills in while serving a call. */
export type ServedCall = Pick<ApiCallTrace, 'operation' | 'request' | 'output' | 'error' | 'prepare'>;
