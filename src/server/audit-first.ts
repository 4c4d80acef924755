import type { ApiCallTrace } from '../audit/api-call.js';
import { callFacts } from '../audit/call-facts.js';
import { prepareRequestParameters, type EventDeps } from '../audit/event-builder.js';
import { intentEvent, mayChangeState, unsettledIntentEvent } from '../audit/intents.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { s3CallEvents } from '../audit/s3-events.js';
import type { Random } from '../crypto/random.js';
import { InvalidQueryParameter, KMSInternalException, SerializationException } from '../errors/aws-error.js';
import type { AuditStore } from '../store/audit-ports.js';

/**
 * Audit first, before the operation runs (the protocol layer calls this once the request is
 * decoded):
 *  1. the record's request part is built while nothing has changed; a request that cannot be
 *     recorded is refused unchanged with its protocol's malformed-input error (awsQuery
 *     InvalidQueryParameter, "The AWS query string is malformed or does not adhere to AWS
 *     standards.", IAM/STS "Common Errors"; awsJson SerializationException);
 *  2. for a call that may change state, its intent (the record it will have) is committed; when
 *     that fails the call is refused with an internal error before it runs. The call's own record
 *     settles the intent; one left over is recorded with an unknown outcome (recoverIntents).
 */
export async function prepareRecord(trace: ApiCallTrace, deps: EventDeps & { audit: Pick<AuditRecorder, 'record'> }): Promise<void> {
  try {
    trace.prepared = { requestParameters: prepareRequestParameters(trace) };
  } catch {
    throw trace.service === 'iam' || trace.service === 'sts'
      ? InvalidQueryParameter('The AWS query string is malformed or does not adhere to AWS standards.')
      : SerializationException();
  }
  if (!trace.service || !trace.operation || !mayChangeState(trace.service, trace.operation)) return;
  try {
    const intent = await intentEvent(trace, deps);
    if (!intent) return;
    await deps.audit.record([intent]);
    trace.intentWritten = true;
  } catch {
    throw KMSInternalException('An internal error has occurred. Please retry your request.');
  }
}

/**
 * Records every intent written before `before` that no record settled (its call ran, but its record
 * could not be written), each as a record marked with an unknown outcome. Returns how many.
 */
export async function recoverIntents(audit: AuditStore, recorder: Pick<AuditRecorder, 'record'>, random: Random, before: Date): Promise<number> {
  const intents = await audit.unsettledIntents(before);
  if (intents.length > 0) await recorder.record(intents.map((i) => unsettledIntentEvent(i, random)));
  return intents.length;
}

/**
 * Audit first, after the operation ran: queues the call's record and returns the commit to wait
 * for before answering. The request path hands over only the call's facts (call-facts.ts); the
 * writer derives the CloudTrail records from them (S3 calls: their records, built here).
 * `unrecorded` describes the call for the log should the commit fail.
 */
export function recordApiCall(trace: ApiCallTrace, deps: EventDeps & { audit: Pick<AuditRecorder, 'record' | 'recordCall'> }): { committed: Promise<void>; unrecorded: () => string } {
  if (trace.s3) {
    const events = s3CallEvents(trace, trace.s3, deps);
    if (trace.intentWritten && events[0]) events[0] = { ...events[0], settles: trace.requestId };
    return { committed: deps.audit.record(events), unrecorded: () => events.map((e) => e.record).join('\n') };
  }
  const call = callFacts(trace);
  if (!call) return { committed: Promise.resolve(), unrecorded: () => '' };
  // The call's record settles the intent written before it ran (prepareRecord).
  if (trace.intentWritten) call.settles = trace.requestId;
  return { committed: deps.audit.recordCall(call), unrecorded: () => JSON.stringify(call) };
}
