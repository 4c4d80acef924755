/**
 * The request of a recorded call (a denied one, typically), from the audit trail: caller, action,
 * key, encryption context, Region and the service that made it on the caller's behalf.
 */
import type { Store } from '../../store/ports.js';
import type { StoredAuditEvent } from '../../store/audit-ports.js';
import { NotFoundException, ValidationException } from '../../errors/aws-error.js';
import type { ExplainRequest } from './gather.js';

/** Where to look: one account and Region (LookupEvents' scope), or every chain (offline, the operator). */
export type EventScope = { account: string; region: string } | 'all';

export async function requestFromEvent(store: Store, eventId: string, scope: EventScope = 'all'): Promise<ExplainRequest> {
  const chains = scope === 'all' ? await store.audit.chains() : [scope];
  for (const chain of chains) {
    const page = await store.audit.lookup({ ...chain, attribute: { key: 'EventId', value: eventId }, limit: 1 });
    const event = page.events[0];
    if (event) return requestOf(event, eventId);
  }
  throw NotFoundException(`No audit record with event id ${eventId}${scope === 'all' ? '' : ` in account ${scope.account} and Region ${scope.region}`}.`);
}

function requestOf(event: StoredAuditEvent, eventId: string): ExplainRequest {
  const r = JSON.parse(event.record) as {
    eventName: string; awsRegion: string; eventSource: string; userIdentity: { arn?: string; invokedBy?: string };
    requestParameters: { keyId?: string; encryptionContext?: Record<string, string> } | null; resources?: { ARN: string; type: string }[];
  };
  if (r.eventSource !== 'kms.amazonaws.com') throw ValidationException(`Event ${eventId} is a ${r.eventSource} call; the explainer covers KMS calls.`);
  const resource = r.resources?.find((x) => x.type === 'AWS::KMS::Key')?.ARN ?? r.requestParameters?.keyId;
  if (!r.userIdentity.arn || !resource || !resource.startsWith('arn:')) throw ValidationException(`Event ${eventId} names no caller or key ARN to explain.`);
  return {
    principal: r.userIdentity.arn,
    action: `kms:${r.eventName}`,
    resource,
    region: r.awsRegion,
    encryptionContext: r.requestParameters?.encryptionContext,
    viaService: r.userIdentity.invokedBy?.includes('.') ? `${r.userIdentity.invokedBy.split('.')[0]}.${r.awsRegion}.amazonaws.com` : undefined,
  };
}
