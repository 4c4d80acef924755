import { v7 as uuidV7 } from 'uuid';
import type { Random } from '../crypto/random.js';
import type { AuditedService } from './api-call.js';

/**
 * The CloudTrail record format ("CloudTrail record contents for management, data, and network
 * activity events", AWS CloudTrail User Guide). Field names and value forms are CloudTrail's.
 */
export const EVENT_VERSION = '1.09';

/**
 * A record's eventID: a GUID, as CloudTrail's, in the time-ordered form of RFC 9562 (version 7:
 * the event time's milliseconds, then 74 bits from the server's CSPRNG). A trail on PostgreSQL (and
 * on SQLite before its block summaries) indexes records by eventID; random (version 4) ids put every
 * new record on a random page of that index, so each
 * group commit wrote a page per record and the append cost grew with the trail (42 → 61 µs of CPU
 * per record over the first 400,000 records here); time-ordered ids append at the index's end.
 */
export const newEventId = (random: Random, time: Date | number): string =>
  uuidV7({ msecs: typeof time === 'number' ? time : time.getTime(), random: random.bytes(16) });

const V7_EVENT_ID = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The event time a version-7 eventID carries (newEventId: its first 48 bits, in milliseconds);
 * undefined for any other id, such as the random (version 4) ids of records written before.
 */
export function eventIdTime(eventId: string): number | undefined {
  const m = V7_EVENT_ID.exec(eventId);
  return m ? parseInt(m[1]! + m[2]!, 16) : undefined;
}

export const EVENT_SOURCES: Record<AuditedService, string> = {
  kms: 'kms.amazonaws.com',
  iam: 'iam.amazonaws.com',
  sts: 'sts.amazonaws.com',
  cloudtrail: 'cloudtrail.amazonaws.com',
  // Unverified: not an AWS service; named in AWS's pattern so CloudTrail tooling reads it.
  locksmith: 'locksmith.amazonaws.com',
};

export interface SessionIssuer {
  type: 'Role' | 'IAMUser' | 'Root';
  principalId: string;
  arn: string;
  accountId: string;
  userName?: string;
}

export interface UserIdentity {
  type?: 'Root' | 'IAMUser' | 'AssumedRole' | 'FederatedUser' | 'AWSAccount' | 'AWSService' | 'AnonymousPrincipal';
  principalId?: string;
  arn?: string;
  accountId: string;
  accessKeyId?: string;
  userName?: string;
  sessionContext?: {
    sessionIssuer?: SessionIssuer;
    attributes: { creationDate: string; mfaAuthenticated: 'true' | 'false' };
  };
  invokedBy?: string;
}

export interface RecordResource {
  accountId: string;
  type: string;
  ARN: string;
}

export interface CloudTrailRecord {
  eventVersion: string;
  userIdentity: UserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  /** AwsServiceEvent details (RotateKey, DeleteExpiredKeyMaterial). */
  serviceEventDetails?: Record<string, unknown>;
  requestID?: string;
  eventID: string;
  readOnly: boolean;
  /** S3 object resources carry no accountId (CloudTrail names the account on the bucket only). */
  resources?: Array<RecordResource | { type: string; ARN: string }>;
  eventType: 'AwsApiCall' | 'AwsServiceEvent';
  /** False for data events (S3 object-level calls). */
  managementEvent: boolean;
  recipientAccountId: string;
  sharedEventID?: string;
  eventCategory: 'Management' | 'Data';
}

/** `2024-03-01T12:34:56Z`, as eventTime and session creation dates are written. */
export const isoSeconds = (d: Date): string => d.toISOString().slice(0, -5) + 'Z'; // drops `.sss` of `….sssZ`

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Dates inside requestParameters and responseElements, in the form CloudTrail writes them for
 * KMS, IAM and STS (`Jun 30, 2020, 2:34:07 AM`, UTC).
 */
export function elementDate(d: Date): string {
  const h = d.getUTCHours();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 === 0 ? 12 : h % 12}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** KMS operations whose events are read-only although their names do not start with Describe/Get/List. */
const KMS_READ_ONLY = new Set([
  'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateRandom', 'Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret',
  'Encapsulate', 'Decapsulate',
]);

/**
 * CloudTrail's readOnly flag: KMS marks its cryptographic operations and its Describe/Get/List
 * operations read-only; IAM its Get/List/Simulate operations; every STS operation is read-only.
 */
export function isReadOnly(service: AuditedService, operation: string): boolean {
  if (service === 'sts') return true;
  // Locksmith's own API reads, except the dev clock's moves.
  if (service === 'locksmith') return operation !== 'AdvanceDevClock' && operation !== 'SetDevClock';
  if (/^(Describe|Get|List|Lookup|Simulate)/.test(operation)) return true;
  return service === 'kms' && KMS_READ_ONLY.has(operation);
}
