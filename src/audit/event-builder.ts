import { keyArn } from '../domain/arn.js';
import type { Random } from '../crypto/random.js';
import type { NewAuditCall, NewAuditEvent } from '../store/audit-ports.js';
import type { KeyRef, Store } from '../store/ports.js';
import type { ApiCallTrace } from './api-call.js';
import { callFacts, requestParameters } from './call-facts.js';
import { canonicalJson } from './canonical-json.js';
import { resolveKmsResources } from './kms-resources.js';
import { EVENT_SOURCES, EVENT_VERSION, isoSeconds, isReadOnly, newEventId, type CloudTrailRecord, type RecordResource, type UserIdentity } from './record.js';
import { toStoredEvent } from './record-index.js';
import { crossAccountIdentity, identityType, storeIdentityLookups, userIdentityOf } from './user-identity.js';

export interface EventDeps {
  /** What deriving a record reads: sessions and users (userIdentity), aliases (resources), keys (other owners). */
  store: Pick<Store, 'keys' | 'aliases' | 'sessions' | 'iam'>;
  random: Random;
}

const AWS_INTERNAL = 'AWS Internal';

/**
 * The records of one API call: one in the caller's account and, when the call used a KMS key
 * or assumed a role of another account, one in that account too, both with the same
 * sharedEventID (KMS Developer Guide, "Logging AWS KMS API calls with AWS CloudTrail": cross-account
 * operations are logged in both accounts, requests refused because access is denied only in the
 * caller's). Nothing is recorded for a call whose operation or caller is unknown.
 */
export async function buildCallEvents(trace: ApiCallTrace, deps: EventDeps): Promise<NewAuditEvent[]> {
  const call = callFacts(trace);
  return call ? callEvents(call, deps) : [];
}

/**
 * The records of a call from its facts (call-facts.ts): what the audit writer derives, off the
 * request path. A facts record whose full build fails (a store read failed, or a part could not be
 * serialized) is still recorded, minimally: who, what, when and the outcome.
 */
export async function callEvents(call: NewAuditCall, deps: EventDeps): Promise<NewAuditEvent[]> {
  if (!call.minimal) {
    try {
      return settling(call, await fullCallEvents(call, deps));
    } catch {
      // No input may make recording throw: the call is recorded without the parts that could not be built.
    }
  }
  return settling(call, [minimalCallEvent(call, deps)]);
}

const settling = (call: NewAuditCall, events: NewAuditEvent[]): NewAuditEvent[] =>
  call.settles !== undefined && events[0] ? [{ ...events[0], settles: call.settles }, ...events.slice(1)] : events;

/**
 * The record's requestParameters, built from the decoded request. The server calls this before
 * the operation runs (trace.prepare), so what a call will record is settled before it changes
 * anything; it throws only if the request's part cannot be serialized, and then the call is refused.
 */
export function prepareRequestParameters(trace: ApiCallTrace): Record<string, unknown> | null {
  const { service, operation } = trace;
  if (!service || !operation) return null;
  const params = requestParameters(service, operation, trace.request);
  canonicalJson(params); // throws for anything the record's canonical form cannot hold
  return params;
}

async function fullCallEvents(call: NewAuditCall, deps: EventDeps): Promise<NewAuditEvent[]> {
  const { service, principal, region } = call;
  const identity = await userIdentityOf(principal, storeIdentityLookups(deps.store), call.viaService);
  const resources = await recordResources(call, deps.store);
  const record = apiCallRecord(call, deps, { userIdentity: identity, requestParameters: call.requestParameters, responseElements: call.responseElements });
  if (resources.length > 0) record.resources = resources;
  if (call.keyMaterialId) record.additionalEventData = { keyMaterialId: call.keyMaterialId };
  // A KMS call is recorded in a key owner's account only when the caller was authorized to use that
  // key ("Logging AWS KMS API calls with AWS CloudTrail": cross-account operations are logged in both
  // accounts; requests refused for lack of access only in the caller's). A call that failed before
  // authorization (validation, denial) writes nothing into another account's trail.
  // Unverified: the guide states the denial case only; validation failures are treated alike (issue #11, finding 9).
  const recordedForOwners = service === 'kms' ? !call.error?.denial : call.error === undefined;
  const authorized = new Set(call.authorizedKeys);
  const ownerResources = service === 'kms' ? resources.filter((r) => authorized.has(r.ARN)) : resources;
  const owners = recordedForOwners ? await otherOwners(ownerResources, principal.account, region, deps.store) : [];
  if (owners.length > 0) record.sharedEventID = deps.random.uuid();
  const eventTime = new Date(call.eventTime);
  const events = [toStoredEvent(record, eventTime)];
  for (const owner of owners) {
    const copy: CloudTrailRecord = { ...record, userIdentity: crossAccountIdentity(identity), eventID: newEventId(deps.random, eventTime), recipientAccountId: owner };
    events.push(toStoredEvent(copy, eventTime));
  }
  return events;
}

/** The record of a call whose full record could not be built: who, what, when and the outcome, from the facts alone. */
function minimalCallEvent(call: NewAuditCall, deps: EventDeps): NewAuditEvent {
  const p = call.principal;
  const userIdentity: UserIdentity = { type: identityType(p), principalId: p.userId, arn: p.arn, accountId: p.account, accessKeyId: p.accessKeyId };
  return toStoredEvent(apiCallRecord(call, deps, { userIdentity, requestParameters: null, responseElements: null }), new Date(call.eventTime));
}

/** An AwsApiCall management record, its members in CloudTrail's order. */
function apiCallRecord(
  call: NewAuditCall, deps: EventDeps, parts: Pick<CloudTrailRecord, 'userIdentity' | 'requestParameters' | 'responseElements'>,
): CloudTrailRecord {
  return {
    eventVersion: EVENT_VERSION,
    userIdentity: parts.userIdentity,
    eventTime: isoSeconds(new Date(call.eventTime)),
    eventSource: EVENT_SOURCES[call.service],
    eventName: call.operation,
    awsRegion: call.region,
    sourceIPAddress: call.sourceIp.replace(/^::ffff:/, ''),
    userAgent: call.userAgent,
    ...(call.error ? (call.error.errorMessage === undefined ? { errorCode: call.error.errorCode } : { errorCode: call.error.errorCode, errorMessage: call.error.errorMessage }) : {}),
    requestParameters: parts.requestParameters,
    responseElements: parts.responseElements,
    requestID: call.requestId,
    eventID: newEventId(deps.random, call.eventTime),
    readOnly: isReadOnly(call.service, call.operation),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: call.principal.account,
    eventCategory: 'Management',
  };
}

/** The record AWS KMS writes when it deletes a key at the end of its waiting period. */
export function deleteKeyEvent(ref: KeyRef, time: Date, random: Random): NewAuditEvent {
  // "log entries … recorded on or after December 2022 include the key ARN … in responseElements.keyId"
  return kmsServiceEvent(ref, 'DeleteKey', time, random, { keyId: keyArn(ref.region, ref.account, ref.keyId) });
}

/**
 * An event KMS records for what it does on its own (eventType AwsServiceEvent): DeleteKey at
 * the end of the waiting period, RotateKey for automatic rotation, DeleteExpiredKeyMaterial.
 */
export function kmsServiceEvent(
  ref: KeyRef,
  eventName: string,
  time: Date,
  random: Random,
  responseElements: Record<string, unknown> | null = null,
  extra: Pick<CloudTrailRecord, 'additionalEventData' | 'serviceEventDetails'> = {},
): NewAuditEvent {
  const arn = keyArn(ref.region, ref.account, ref.keyId);
  const record: CloudTrailRecord = {
    eventVersion: EVENT_VERSION,
    userIdentity: { accountId: ref.account, invokedBy: AWS_INTERNAL },
    eventTime: isoSeconds(time),
    eventSource: EVENT_SOURCES.kms,
    eventName,
    awsRegion: ref.region,
    sourceIPAddress: AWS_INTERNAL,
    userAgent: AWS_INTERNAL,
    requestParameters: null,
    responseElements,
    ...extra,
    eventID: newEventId(random, time),
    readOnly: false,
    resources: [{ ARN: arn, accountId: ref.account, type: 'AWS::KMS::Key' }],
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    recipientAccountId: ref.account,
    eventCategory: 'Management',
  };
  return toStoredEvent(record, time);
}

async function recordResources(call: NewAuditCall, store: EventDeps['store']): Promise<RecordResource[]> {
  if (call.service === 'kms') {
    return (await resolveKmsResources(store, call.principal.account, call.region, call)).map((r) => ({ ARN: r.arn, accountId: r.account, type: 'AWS::KMS::Key' }));
  }
  return call.role ? [{ ARN: call.role.arn, accountId: call.role.accountId, type: 'AWS::IAM::Role' }] : [];
}

/** Accounts other than the caller's that own a resource of the call (and the resource exists). */
async function otherOwners(resources: RecordResource[], caller: string, region: string, store: EventDeps['store']): Promise<string[]> {
  const owners = new Set<string>();
  for (const r of resources) {
    if (r.accountId === caller || owners.has(r.accountId)) continue;
    if (r.type === 'AWS::KMS::Key') {
      const keyId = r.ARN.slice(r.ARN.indexOf(':key/') + ':key/'.length);
      if (!(await store.keys.get({ account: r.accountId, region, keyId }))) continue;
    }
    owners.add(r.accountId);
  }
  return [...owners];
}
