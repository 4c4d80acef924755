/**
 * CloudTrail records of S3 calls (CloudTrail User Guide, "Logging Amazon S3 API calls using AWS
 * CloudTrail"): bucket-level calls as management events, object-level calls as data events
 * (eventCategory Data, managementEvent false, resources: the object and its bucket). The record
 * goes to the caller's account and, when another account owns the bucket, to that account too,
 * with a sharedEventID. Object bytes are never part of a record.
 */
import type { NewAuditEvent } from '../store/audit-ports.js';
import type { ApiCallTrace, S3CallFacts } from './api-call.js';
import { EVENT_VERSION, isoSeconds, newEventId, type CloudTrailRecord } from './record.js';
import { toStoredEvent } from './record-index.js';
import type { EventDeps } from './event-builder.js';
import { identityType } from './user-identity.js';

const READ_ONLY = /^(Get|Head|List)/;

export function s3CallEvents(trace: ApiCallTrace, facts: S3CallFacts, deps: Pick<EventDeps, 'random'>): NewAuditEvent[] {
  const { operation, principal } = trace;
  if (!operation || !principal) return [];
  const resources: NonNullable<CloudTrailRecord['resources']> = [];
  if (facts.bucket !== undefined && facts.key !== undefined && facts.dataEvent) resources.push({ ARN: `arn:aws:s3:::${facts.bucket}/${facts.key}`, type: 'AWS::S3::Object' });
  if (facts.bucket !== undefined) resources.push({ ARN: `arn:aws:s3:::${facts.bucket}`, ...(facts.bucketAccount ? { accountId: facts.bucketAccount } : {}), type: 'AWS::S3::Bucket' });
  const requestParameters: Record<string, unknown> = {};
  // Members in canonical order ('H' sorts before 'b'), so the record's JSON takes them as they are.
  if (facts.host !== undefined) requestParameters.Host = facts.host;
  if (facts.bucket !== undefined) requestParameters.bucketName = facts.bucket;
  if (facts.key !== undefined) requestParameters.key = facts.key;
  const error = trace.error;
  const record: CloudTrailRecord = {
    eventVersion: EVENT_VERSION,
    userIdentity: { type: identityType(principal), principalId: principal.userId, arn: principal.arn, accountId: principal.account, accessKeyId: principal.accessKeyId },
    eventTime: isoSeconds(trace.eventTime),
    eventSource: 's3.amazonaws.com',
    eventName: operation,
    awsRegion: facts.region,
    sourceIPAddress: trace.sourceIp.replace(/^::ffff:/, ''),
    userAgent: trace.userAgent,
    ...(error ? (error.message === '' ? { errorCode: error.code } : { errorCode: error.code, errorMessage: error.message }) : {}),
    requestParameters: Object.keys(requestParameters).length > 0 ? requestParameters : null,
    responseElements: null,
    requestID: trace.requestId,
    eventID: newEventId(deps.random, trace.eventTime),
    readOnly: READ_ONLY.test(operation),
    ...(resources.length > 0 ? { resources } : {}),
    eventType: 'AwsApiCall',
    managementEvent: !facts.dataEvent,
    recipientAccountId: principal.account,
    eventCategory: facts.dataEvent ? 'Data' : 'Management',
  };
  const owner = facts.bucketAccount;
  // An anonymous caller has no account of its own: the record is the bucket owner's alone.
  if (principal.type === 'Anonymous') return owner === undefined ? [] : [toStoredEvent({ ...record, recipientAccountId: owner }, trace.eventTime)];
  if (owner === undefined || owner === principal.account || error !== undefined) return [toStoredEvent(record, trace.eventTime)];
  const shared = deps.random.uuid();
  return [
    toStoredEvent({ ...record, sharedEventID: shared }, trace.eventTime),
    toStoredEvent({ ...record, eventID: newEventId(deps.random, trace.eventTime), recipientAccountId: owner, sharedEventID: shared }, trace.eventTime),
  ];
}
