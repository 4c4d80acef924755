import { keyArn } from '../domain/arn.js';
import type { Random } from '../crypto/random.js';
import { queryErrorCode } from '../errors/query-codes.js';
import type { AwsError } from '../errors/aws-error.js';
import type { NewAuditEvent } from '../store/audit-ports.js';
import type { KeyRef, Store } from '../store/ports.js';
import type { Principal } from '../domain/call-context.js';
import type { ApiCallTrace, AuditedService } from './api-call.js';
import { canonicalJson } from './canonical-json.js';
import { keyMaterialIdOf, kmsResources } from './kms-resources.js';
import { EVENT_SOURCES, EVENT_VERSION, isoSeconds, isReadOnly, type CloudTrailRecord, type RecordResource, type UserIdentity } from './record.js';
import { toStoredEvent } from './record-index.js';
import { jsonRequestParameters, kmsRequestParameters, kmsResponseElements, queryRequestParameters, queryResponseElements } from './redact.js';
import { crossAccountIdentity, identityType, storeIdentityLookups, userIdentityOf } from './user-identity.js';

export interface EventDeps {
  store: Store;
  random: Random;
}

const AWS_INTERNAL = 'AWS Internal';
/** Operations whose events carry no responseElements although they are not KMS read-only operations. */
const NO_RESPONSE_ELEMENTS = new Set(['GetCallerIdentity']);

const isDenial = (e: AwsError | undefined) => e !== undefined && /^AccessDenied/.test(e.code);

/**
 * The records of one API call: one in the caller's account and, when the call used a KMS key
 * or assumed a role of another account, one in that account too, both with the same
 * sharedEventID (KMS Developer Guide, "Logging AWS KMS API calls with AWS CloudTrail": cross-account
 * operations are logged in both accounts, requests refused because access is denied only in the
 * caller's). Nothing is recorded for a call whose operation or caller is unknown.
 */
export async function buildCallEvents(trace: ApiCallTrace, deps: EventDeps): Promise<NewAuditEvent[]> {
  const { service, operation, principal, region } = trace;
  if (!service || !operation || !principal || region === undefined) return [];
  try {
    return await fullCallEvents(trace, deps, service, operation, principal, region);
  } catch {
    // No input may make recording throw: the call is recorded without the parts that could not be built.
    return [minimalCallEvent(trace, deps, service, operation, principal, region)];
  }
}

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

async function fullCallEvents(
  trace: ApiCallTrace, deps: EventDeps, service: AuditedService, operation: string, principal: Principal, region: string,
): Promise<NewAuditEvent[]> {
  const request = trace.unauthenticated ? undefined : trace.request;
  const readOnly = isReadOnly(service, operation);
  const identity = await userIdentityOf(principal, storeIdentityLookups(deps.store), trace.viaService);
  const resources = await recordResources(service, operation, principal.account, region, request, trace.output, deps.store);
  const record = apiCallRecord(trace, deps, service, operation, principal, region, {
    userIdentity: identity,
    requestParameters: trace.prepared && !trace.unauthenticated ? trace.prepared.requestParameters : requestParameters(service, operation, request),
    responseElements: trace.error || (readOnly && service !== 'sts') || NO_RESPONSE_ELEMENTS.has(operation) ? null : responseElements(service, operation, trace.output),
  });
  if (resources.length > 0) record.resources = resources;
  const materialId = service === 'kms' ? keyMaterialIdOf(request, trace.output) : undefined;
  if (materialId) record.additionalEventData = { keyMaterialId: materialId };
  // A KMS call is recorded in a key owner's account only when the caller was authorized to use that
  // key ("Logging AWS KMS API calls with AWS CloudTrail": cross-account operations are logged in both
  // accounts; requests refused for lack of access only in the caller's). A call that failed before
  // authorization (validation, denial) writes nothing into another account's trail.
  // Unverified: the guide states the denial case only; validation failures are treated alike (issue #11, finding 9).
  const recordedForOwners = service === 'kms' ? !isDenial(trace.error) : trace.error === undefined;
  const ownerResources = service === 'kms' ? resources.filter((r) => trace.authorizedKeys?.has(r.ARN)) : resources;
  const owners = recordedForOwners ? await otherOwners(ownerResources, principal.account, region, deps.store) : [];
  if (owners.length > 0) record.sharedEventID = deps.random.uuid();
  const events = [toStoredEvent(record, trace.eventTime)];
  for (const owner of owners) {
    const copy: CloudTrailRecord = { ...record, userIdentity: crossAccountIdentity(identity), eventID: deps.random.uuid(), recipientAccountId: owner };
    events.push(toStoredEvent(copy, trace.eventTime));
  }
  return events;
}

/**
 * The record of a call whose full record could not be built (a store read failed, or a part could
 * not be serialized): who, what, when and the outcome, from the trace's own fields only.
 */
function minimalCallEvent(trace: ApiCallTrace, deps: EventDeps, service: AuditedService, operation: string, principal: Principal, region: string): NewAuditEvent {
  const userIdentity: UserIdentity = { type: identityType(principal), principalId: principal.userId, arn: principal.arn, accountId: principal.account, accessKeyId: principal.accessKeyId };
  return toStoredEvent(apiCallRecord(trace, deps, service, operation, principal, region, { userIdentity, requestParameters: null, responseElements: null }), trace.eventTime);
}

/** An AwsApiCall management record, its members in CloudTrail's order. */
function apiCallRecord(
  trace: ApiCallTrace, deps: EventDeps, service: AuditedService, operation: string, principal: Principal, region: string,
  parts: Pick<CloudTrailRecord, 'userIdentity' | 'requestParameters' | 'responseElements'>,
): CloudTrailRecord {
  return {
    eventVersion: EVENT_VERSION,
    userIdentity: parts.userIdentity,
    eventTime: isoSeconds(trace.eventTime),
    eventSource: EVENT_SOURCES[service],
    eventName: operation,
    awsRegion: region,
    sourceIPAddress: trace.sourceIp.replace(/^::ffff:/, ''),
    userAgent: trace.userAgent,
    ...errorFields(service, trace.error),
    requestParameters: parts.requestParameters,
    responseElements: parts.responseElements,
    requestID: trace.requestId,
    eventID: deps.random.uuid(),
    readOnly: isReadOnly(service, operation),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: principal.account,
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
    eventID: random.uuid(),
    readOnly: false,
    resources: [{ accountId: ref.account, type: 'AWS::KMS::Key', ARN: arn }],
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    recipientAccountId: ref.account,
    eventCategory: 'Management',
  };
  return toStoredEvent(record, time);
}

function errorFields(service: AuditedService, error: AwsError | undefined): { errorCode?: string; errorMessage?: string } {
  if (!error) return {};
  let code = error.code;
  if (service === 'iam' || service === 'sts') code = queryErrorCode(error, service);
  else if (code === 'AccessDeniedException') code = 'AccessDenied';
  return error.message === '' ? { errorCode: code } : { errorCode: code, errorMessage: error.message };
}

function requestParameters(service: AuditedService, operation: string, request: unknown): Record<string, unknown> | null {
  if (request === undefined) return null;
  switch (service) {
    case 'kms': {
      const params = kmsRequestParameters(operation, request);
      // "The CloudTrail log entry for a Decrypt operation always includes the encryptionAlgorithm."
      if ((operation === 'Decrypt' || operation === 'Encrypt') && params?.encryptionAlgorithm === undefined) {
        return { ...params, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      }
      return params;
    }
    case 'iam':
    case 'sts':
      return request instanceof Map ? queryRequestParameters(request as Map<string, string>) : null;
    default:
      return jsonRequestParameters(request);
  }
}

function responseElements(service: AuditedService, operation: string, output: unknown): Record<string, unknown> | null {
  if (service === 'kms') return kmsResponseElements(operation, output);
  return service === 'cloudtrail' ? null : queryResponseElements(output);
}

async function recordResources(
  service: AuditedService, operation: string, account: string, region: string, request: unknown, output: unknown, store: Store,
): Promise<RecordResource[]> {
  if (service === 'kms') {
    return (await kmsResources(store, account, region, request, output)).map((r) => ({ accountId: r.account, type: 'AWS::KMS::Key', ARN: r.arn }));
  }
  if (service === 'sts' && operation === 'AssumeRole' && request instanceof Map) {
    const arn = request.get('RoleArn');
    const m = typeof arn === 'string' ? /^arn:[^:]+:iam::(\d{12}):role\//.exec(arn) : null;
    if (m) return [{ accountId: m[1], type: 'AWS::IAM::Role', ARN: arn as string }];
  }
  return [];
}

/** Accounts other than the caller's that own a resource of the call (and the resource exists). */
async function otherOwners(resources: RecordResource[], caller: string, region: string, store: Store): Promise<string[]> {
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
