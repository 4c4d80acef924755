import type { LookupResource, NewAuditEvent } from '../store/audit-ports.js';
import { canonicalJson } from './canonical-json.js';
import type { CloudTrailRecord, UserIdentity } from './record.js';
import { usernameOf } from './user-identity.js';

/** IAM request members that name a resource, and the resource type LookupEvents reports for them. */
const IAM_RESOURCE_MEMBERS: Record<string, string> = {
  userName: 'AWS::IAM::User',
  roleName: 'AWS::IAM::Role',
  groupName: 'AWS::IAM::Group',
  policyArn: 'AWS::IAM::Policy',
  accessKeyId: 'AWS::IAM::AccessKey',
};

/**
 * The resources LookupEvents reports for a record (its ResourceType / ResourceName): the record's
 * `resources`, and for IAM calls the users, roles, groups, policies and access keys it names.
 */
export function lookupResources(record: CloudTrailRecord): LookupResource[] {
  const out: LookupResource[] = (record.resources ?? []).map((r) => ({ type: r.type, name: r.ARN }));
  if (record.eventSource === 'iam.amazonaws.com' && record.requestParameters) {
    for (const [member, type] of Object.entries(IAM_RESOURCE_MEMBERS)) {
      const v = record.requestParameters[member];
      if (typeof v === 'string' && v !== '') out.push({ type, name: v });
    }
  }
  return out;
}

/** The LookupEvents columns of a record, all derived from the record itself. */
export function lookupColumns(record: CloudTrailRecord): { username?: string; accessKeyId?: string } {
  const out: { username?: string; accessKeyId?: string } = {};
  const username = usernameOf(record.userIdentity);
  if (username !== undefined) out.username = username;
  if (record.userIdentity.accessKeyId !== undefined) out.accessKeyId = record.userIdentity.accessKeyId;
  return out;
}

/** A record's stored event time: its time to the second, as its eventTime member writes it. */
export const storedEventTime = (ms: number): number => Math.floor(ms / 1000) * 1000;

/**
 * A record as the store keeps it: canonical JSON text plus the columns LookupEvents filters on.
 * Event times are whole seconds, as CloudTrail records and compares them.
 */
export function toStoredEvent(record: CloudTrailRecord, eventTime: Date): NewAuditEvent {
  return {
    account: record.recipientAccountId,
    region: record.awsRegion,
    eventId: record.eventID,
    eventTime: new Date(storedEventTime(eventTime.getTime())),
    eventName: record.eventName,
    eventSource: record.eventSource,
    readOnly: record.readOnly,
    ...lookupColumns(record),
    resources: lookupResources(record),
    record: canonicalJson(inMemberOrder(record)),
  };
}

/** Every member, none left out: the compiler checks the literals below list them all. */
type AllMembers<T> = { [K in keyof Required<T>]: T[K] };

/**
 * The record with its members (and its userIdentity's) in canonical order, written as literals of
 * every member: canonicalJson then hands it to JSON.stringify as it is instead of copying it into
 * order (bench/README.md, fourteenth pass). Members left undefined are not written.
 */
function inMemberOrder(r: CloudTrailRecord): CloudTrailRecord {
  const u = r.userIdentity;
  const userIdentity: AllMembers<UserIdentity> = {
    accessKeyId: u.accessKeyId,
    accountId: u.accountId,
    arn: u.arn,
    invokedBy: u.invokedBy,
    principalId: u.principalId,
    sessionContext: u.sessionContext,
    type: u.type,
    userName: u.userName,
  };
  const ordered: AllMembers<CloudTrailRecord> = {
    additionalEventData: r.additionalEventData,
    awsRegion: r.awsRegion,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    eventCategory: r.eventCategory,
    eventID: r.eventID,
    eventName: r.eventName,
    eventSource: r.eventSource,
    eventTime: r.eventTime,
    eventType: r.eventType,
    eventVersion: r.eventVersion,
    managementEvent: r.managementEvent,
    readOnly: r.readOnly,
    recipientAccountId: r.recipientAccountId,
    requestID: r.requestID,
    requestParameters: r.requestParameters,
    resources: r.resources,
    responseElements: r.responseElements,
    serviceEventDetails: r.serviceEventDetails,
    sharedEventID: r.sharedEventID,
    sourceIPAddress: r.sourceIPAddress,
    userAgent: r.userAgent,
    userIdentity,
  };
  return ordered;
}
