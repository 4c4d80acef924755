import { createHash } from 'node:crypto';
import { accessDeniedMessage, evaluateIdentityAccess } from '../../policy/index.js';
import type { RequestContext } from '../../policy/types.js';
import { AccessDeniedException, AwsError, type AwsErrorCode, SerializationException, ValidationException } from '../../errors/aws-error.js';
import type { CallContext } from '../../domain/call-context.js';
import { callerIdentityPolicies, globalConditionKeys } from '../caller-policies.js';
import type { AuditLookup, LookupAttributeKey, LookupPosition, StoredAuditEvent } from '../../store/audit-ports.js';
import type { Store } from '../../store/ports.js';
import { canonicalJson } from '../../audit/canonical-json.js';
import type { CloudTrailRecord } from '../../audit/record.js';
import { lookupResources } from '../../audit/record-index.js';
import type { OperationDescriptor } from '../operation-descriptor.js';

/**
 * CloudTrail LookupEvents (CloudTrail API Reference, "LookupEvents"): the management events of the
 * caller's account in the request's region, newest first, filtered by at most one lookup
 * attribute and a time range, 1–50 per page (default 50) with an opaque NextToken.
 */
export const LOOKUP_ATTRIBUTE_KEYS: readonly LookupAttributeKey[] = [
  'EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId',
];
const MAX_RESULTS = 50;
const MAX_VALUE_LENGTH = 2000;

const fault = (code: AwsErrorCode) => (message: string) => new AwsError(code, message);
const InvalidLookupAttributesException = fault('InvalidLookupAttributesException');
const InvalidTimeRangeException = fault('InvalidTimeRangeException');
const InvalidMaxResultsException = fault('InvalidMaxResultsException');
const InvalidNextTokenException = fault('InvalidNextTokenException');
const InvalidEventCategoryException = fault('InvalidEventCategoryException');

const validation = (value: unknown, path: string, constraint: string) =>
  ValidationException(`1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${path}' failed to satisfy constraint: ${constraint}`);

export interface LookupEventsRequest {
  query: Omit<AuditLookup, 'after' | 'limit'>;
  limit: number;
  after?: LookupPosition;
  /** EventCategory `insight`: Locksmith records no Insights events. */
  insights: boolean;
}

export async function lookupEvents(body: unknown, ctx: CallContext, store: Store): Promise<Record<string, unknown>> {
  const req = readLookupRequest(body, ctx);
  await authorizeLookup(ctx, store);
  if (req.insights) return { Events: [] };
  const page = await store.audit.lookup({ ...req.query, limit: req.limit, ...(req.after ? { after: req.after } : {}) });
  const out: Record<string, unknown> = { Events: page.events.map(toLookupEvent) };
  if (page.next) out.NextToken = encodeToken(page.next, req.query);
  return out;
}

/** Identity policies decide (`cloudtrail:LookupEvents`, no resource); the account root may. */
export async function authorizeLookup(ctx: CallContext, store: Store): Promise<void> {
  const p = ctx.principal;
  if (p.type === 'Root' && !p.session) return;
  const request: RequestContext = { principal: p, action: 'cloudtrail:LookupEvents', resource: '*', resourceAccount: ctx.account, conditionKeys: globalConditionKeys(ctx) };
  const decision = evaluateIdentityAccess(request, { identityPolicies: await callerIdentityPolicies(store, p), sessionPolicies: p.session?.sessionPolicies });
  if (!decision.allowed) throw AccessDeniedException(accessDeniedMessage(request, decision).replace(' on resource: *', ''));
}

/**
 * A scalar member must not be a list or structure: Coral's SerializationException texts (as for
 * KMS, src/model/shape-input.ts), before any message prints the value (a deeply nested list would
 * not print).
 */
function scalar(v: unknown): unknown {
  if (Array.isArray(v)) throw SerializationException('Start of list found where not expected');
  if (typeof v === 'object' && v !== null) throw SerializationException('Start of structure or map found where not expected.');
  return v;
}

export function readLookupRequest(body: unknown, ctx: Pick<CallContext, 'account' | 'region'>): LookupEventsRequest {
  const raw = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const b: Record<string, unknown> = { ...raw };
  for (const m of ['StartTime', 'EndTime', 'EventCategory', 'MaxResults', 'NextToken']) if (Object.hasOwn(raw, m)) b[m] = scalar(raw[m]);
  const query: LookupEventsRequest['query'] = { account: ctx.account, region: ctx.region };
  const attrs = b.LookupAttributes ?? [];
  if (!Array.isArray(attrs)) throw validation(attrs, 'lookupAttributes', 'Member must be a list');
  if (attrs.length > 1) throw InvalidLookupAttributesException('You cannot specify more than one lookup attribute.');
  if (attrs.length === 1) {
    const a = (attrs[0] ?? {}) as Record<string, unknown>;
    const key = scalar(a.AttributeKey);
    const value = scalar(a.AttributeValue);
    if (typeof key !== 'string' || !LOOKUP_ATTRIBUTE_KEYS.includes(key as LookupAttributeKey)) {
      throw validation(key, 'lookupAttributes.1.member.attributeKey', key === undefined ? 'Member must not be null' : `Member must satisfy enum value set: [${LOOKUP_ATTRIBUTE_KEYS.join(', ')}]`);
    }
    if (typeof value !== 'string') throw validation(value, 'lookupAttributes.1.member.attributeValue', 'Member must not be null');
    if (value.length < 1 || value.length > MAX_VALUE_LENGTH) {
      throw validation(value, 'lookupAttributes.1.member.attributeValue', value.length < 1 ? 'Member must have length greater than or equal to 1' : `Member must have length less than or equal to ${MAX_VALUE_LENGTH}`);
    }
    query.attribute = { key: key as LookupAttributeKey, value };
  }
  const start = timeOf(b.StartTime, 'startTime');
  const end = timeOf(b.EndTime, 'endTime');
  if (start && end && start.getTime() > end.getTime()) throw InvalidTimeRangeException('Start time must be less than or equal to end time.');
  if (start) query.startTime = start;
  if (end) query.endTime = end;
  const max = b.MaxResults ?? MAX_RESULTS;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
    throw InvalidMaxResultsException(`Value ${String(max)} for MaxResults is invalid. MaxResults must be between 1 and ${MAX_RESULTS}.`);
  }
  const category = b.EventCategory;
  if (category !== undefined && category !== 'insight') throw InvalidEventCategoryException(`Value ${String(category)} for EventCategory is invalid.`);
  const req: LookupEventsRequest = { query, limit: max, insights: category === 'insight' };
  if (b.NextToken !== undefined) req.after = decodeToken(b.NextToken, query);
  return req;
}

/** awsJson timestamps are epoch seconds; ISO 8601 text is accepted too. */
function timeOf(v: unknown, member: string): Date | undefined {
  if (v === undefined || v === null) return undefined;
  const d = typeof v === 'number' ? new Date(v * 1000) : typeof v === 'string' ? new Date(/^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : v) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw validation(v, member, 'Member must be a timestamp');
  return d;
}

/** The filter a token belongs to, so a token is only valid with the request that produced it. */
const filterHash = (q: LookupEventsRequest['query']) =>
  createHash('sha256').update(canonicalJson({ ...q, startTime: q.startTime?.getTime(), endTime: q.endTime?.getTime() })).digest('base64url').slice(0, 16);

function encodeToken(pos: LookupPosition, q: LookupEventsRequest['query']): string {
  return Buffer.from(JSON.stringify({ t: pos.time, s: pos.seq, f: filterHash(q) })).toString('base64url');
}

function decodeToken(token: unknown, q: LookupEventsRequest['query']): LookupPosition {
  const invalid = () => InvalidNextTokenException('Invalid NextToken.');
  if (typeof token !== 'string' || token.length === 0 || token.length > 200) throw invalid();
  let parsed: { t?: unknown; s?: unknown; f?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw invalid();
  }
  if (!Number.isSafeInteger(parsed.t) || !Number.isSafeInteger(parsed.s) || parsed.f !== filterHash(q)) throw invalid();
  return { time: parsed.t as number, seq: parsed.s as number };
}

function toLookupEvent(e: StoredAuditEvent): Record<string, unknown> {
  const record = JSON.parse(e.record) as CloudTrailRecord;
  const out: Record<string, unknown> = {
    EventId: e.eventId,
    EventName: e.eventName,
    ReadOnly: String(e.readOnly),
    EventTime: Math.floor(e.eventTime.getTime() / 1000),
    EventSource: e.eventSource,
    Resources: lookupResources(record).map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
    CloudTrailEvent: e.record,
  };
  if (e.accessKeyId !== undefined) out.AccessKeyId = e.accessKeyId;
  if (e.username !== undefined) out.Username = e.username;
  return out;
}

/** LookupEvents' descriptor: the same shape as every service's (services/operation-descriptor.ts). */
export const LookupEvents: OperationDescriptor<typeof lookupEvents> = Object.freeze({
  service: 'cloudtrail',
  name: 'LookupEvents',
  readOnly: true,
  handler: lookupEvents,
});
