import type { Random } from '../crypto/random.js';
import type { NewAuditEvent, StoredIntent } from '../store/audit-ports.js';
import type { ApiCallTrace, AuditedService } from './api-call.js';
import { buildCallEvents, type EventDeps } from './event-builder.js';
import { isReadOnly, newEventId, type CloudTrailRecord } from './record.js';
import { toStoredEvent } from './record-index.js';

/**
 * Audit intents: a call that may change state has its record written, durably, before it runs
 * (the record it will have if it succeeds, without response elements). The call's own record
 * settles the intent in the same transaction. An intent left over — the call ran, its record could
 * not be written — becomes a record of its own, marked as having an unknown outcome, so no call
 * that may have changed something is missing from the trail.
 */

/** Calls that may change state: the non-read-only KMS and IAM operations, and STS's session issuers. */
export function mayChangeState(service: AuditedService, operation: string): boolean {
  if (service === 'sts') return operation !== 'GetCallerIdentity';
  return (service === 'kms' || service === 'iam') && !isReadOnly(service, operation);
}

/** The intent of a decoded call: its record as if it succeeded, in the caller's account only. */
export async function intentEvent(trace: ApiCallTrace, deps: EventDeps): Promise<NewAuditEvent | undefined> {
  const [event] = await buildCallEvents({ ...trace, output: undefined, error: undefined, authorizedKeys: new Set() }, deps);
  return event && { ...event, intentOf: trace.requestId };
}

/** What the record of a left-over intent says about the call's outcome (additionalEventData). */
export const OUTCOME_UNKNOWN = 'unknown: the call ran, but its record could not be written; it may have changed state';

/** The record that replaces a left-over intent, settling it. */
export function unsettledIntentEvent(intent: StoredIntent, random: Random): NewAuditEvent {
  const record = JSON.parse(intent.record) as CloudTrailRecord;
  const settled: CloudTrailRecord = { ...record, eventID: newEventId(random, intent.eventTime), additionalEventData: { ...record.additionalEventData, locksmithOutcome: OUTCOME_UNKNOWN } };
  return { ...toStoredEvent(settled, intent.eventTime), settles: intent.requestId };
}
