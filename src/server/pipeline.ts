/**
 * The request pipeline, top to bottom: route → authenticate (SigV4) → decode + validate → call
 * context (what the operation authorizes against) → audit-first preparation → invoke → encode →
 * record. Each step takes and returns values; the socket side (health, console, body reading,
 * writing the answer) stays in http-server.ts, so the whole path runs without one in the tests.
 * Authorization is the operation's own first step: it needs the resource (a key policy, grants, a
 * bucket policy), which only the operation reads.
 */
import type { IncomingMessage } from 'node:http';
import { AUDITED_SERVICES, type ApiCallTrace, type AuditedService } from '../audit/api-call.js';
import type { EventDeps } from '../audit/event-builder.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { parseSigV4, type HttpRequestParts, type ParsedSigV4 } from '../auth/sigv4.js';
import type { Random } from '../crypto/random.js';
import type { CallContext, Principal } from '../domain/call-context.js';
import { AwsError, KMSInternalException } from '../errors/aws-error.js';
import type { Decoded } from '../protocols/decoded.js';
import { authenticate, ownerOfAccessKey, type AuthenticationDeps, type Caller } from './authenticate.js';
import { prepareRecord, recordApiCall } from './audit-first.js';
import { errorResponse, failureResponse } from './error-responses.js';
import type { LocksmithMetrics } from './metrics.js';
import { guessService, signedTarget } from './request-reading.js';
import type { Stage } from './stage-timing.js';
import { isS3Post, isUnsignedRequest, type S3Row, type S3WireResponse } from './s3-route.js';
import type { ServiceRoute, ServiceRoutes } from './service-routes.js';
import { unservedService } from './unknown-service.js';

export interface PipelineDeps extends AuthenticationDeps {
  random: Random;
  log: (line: string) => void;
  /** Every KMS, IAM, STS, CloudTrail and S3 call is recorded here before it is answered. */
  audit: Pick<AuditRecorder, 'record' | 'recordCall'>;
  metrics: Pick<LocksmithMetrics, 'storeError'>;
  /** INSECURE (bench only): answer calls without recording them. */
  insecureSkipAudit?: boolean;
}

/** One request as the socket side hands it over. */
export interface HttpCall {
  parts: HttpRequestParts;
  /** The request's headers (and, for S3, the stream its body is read from). */
  incoming: IncomingMessage;
  requestId: string;
  /** When the request arrived (the lifecycle clock). */
  eventTime: Date;
  sourceIp: string;
  userAgent: string;
  /** aws:SecureTransport: the request came over TLS. */
  secureTransport: boolean;
  /** The whole body (awsJson, awsQuery). */
  readBody(): Promise<Buffer>;
  /** The caller proved who they are: the connection is no longer an idle stranger's. */
  authenticated(): void;
  /** LOCKSMITH_STAGE_TIMING=1: ends the stage running since the previous lap (stage-timing.ts). */
  lap?: (stage: Stage) => void;
}

/** The answer and the call's record as written (its outcome, for metrics and the request log). */
export interface Answer {
  response: S3WireResponse;
  trace: ApiCallTrace;
}

type Routed = { service: string; signed: ParsedSigV4; route: ServiceRoute | undefined } | { service: 's3'; signed?: ParsedSigV4; s3: S3Row };

/** Serves one API call: every step below, in order. */
export async function serveCall(deps: PipelineDeps, routes: ServiceRoutes, call: HttpCall): Promise<Answer> {
  let routed: Routed;
  try {
    routed = route(routes, call);
  } catch (e) {
    return record(deps, failed(deps, call, undefined, callTrace(call, undefined), e));
  }
  const served = 's3' in routed ? await serveS3(deps, call, routed) : await serveBuffered(deps, call, routed);
  return record(deps, served, call.lap);
}

/** Route: the row of the service the SigV4 credential scope names; an unsigned S3-shaped request is S3's anonymous access. */
export function route(routes: ServiceRoutes, call: Pick<HttpCall, 'parts' | 'incoming'>): Routed {
  const { parts } = call;
  if (routes.s3 && isUnsignedRequest(parts) && (guessService(call.incoming, parts) === 's3' || isS3Post(parts))) return { service: 's3', s3: routes.s3 };
  const signed = parseSigV4(parts);
  if (signed.service === 's3' && routes.s3) return { service: 's3', signed, s3: routes.s3 };
  const row = routes.byService.get(signed.service);
  return { service: signed.service, signed, route: row };
}

/**
 * Who called from where, and the audited service and region the request was signed for. Traces are
 * built as whole literals of one shape (members absent are undefined): V8 copies such an object in
 * a spread cheaply, one grown member by member ~7× slower (3.5 against 0.5 µs per request here).
 */
function callTrace(call: HttpCall, signed: ParsedSigV4 | undefined): ApiCallTrace {
  const audited = signed !== undefined && AUDITED_SERVICES.includes(signed.service);
  return {
    requestId: call.requestId,
    eventTime: call.eventTime,
    sourceIp: call.sourceIp,
    userAgent: call.userAgent,
    service: audited ? (signed.service as AuditedService) : undefined,
    region: audited ? signed.region : undefined,
  };
}

/** What the pipeline hands to `record`: the response so far, the call's facts, the protocol to answer a failed record in. */
interface Served {
  response: S3WireResponse;
  trace: ApiCallTrace;
  service: string;
}

/** awsJson and awsQuery: the body is read whole, then authenticated, decoded, run and encoded. */
async function serveBuffered(deps: PipelineDeps, call: HttpCall, routed: { service: string; signed: ParsedSigV4; route: ServiceRoute | undefined }): Promise<Served> {
  const { signed, route: row } = routed;
  const base = callTrace(call, signed);
  let known = base;
  try {
    const body = await call.readBody();
    call.lap?.('read body');
    const target = signedTarget(call.incoming, call.parts, signed);
    // Other processes sharing the store may have written since the last request: caches catch up first.
    if (deps.store.revalidate) await deps.store.revalidate();
    const caller = await authenticate(deps, signed, call.parts, body);
    if (caller instanceof AwsError) {
      known = await unauthenticated(deps, base, row, signed, target, body, call.parts);
      throw caller;
    }
    call.authenticated();
    call.lap?.('sigv4');
    const ctx = callContext(deps, call, signed, caller);
    if (!row) {
      known = { ...base, principal: caller.principal, authorizedKeys: ctx.authorizedKeys! };
      throw unservedService(signed.service, call.parts.headers);
    }
    const decoded = row.decode(target, body, call.parts);
    known = decodedTrace(base, caller.principal, ctx.authorizedKeys!, decoded);
    if (decoded.error) throw decoded.error;
    call.lap?.('decode');
    // Audit first: the request's part of the record is built before the operation can change anything.
    if (!deps.insecureSkipAudit) await prepareRecord(known, deps);
    call.lap?.('audit prepare');
    const output = await row.invoke(decoded.operation!, decoded.input, ctx);
    call.lap?.('operation');
    const response = row.encode(decoded.operation!, output, call.requestId);
    call.lap?.('encode');
    return { response, trace: { ...known, output }, service: routed.service };
  } catch (e) {
    return failed(deps, call, routed.service, known, e);
  }
}

/** Authenticated: what the operation runs as and authorizes against (CallContext). */
export function callContext(deps: Pick<PipelineDeps, 'clock' | 'random'>, call: HttpCall, signed: ParsedSigV4, caller: Caller): CallContext {
  return {
    principal: caller.principal,
    account: caller.principal.account,
    region: signed.region,
    sourceIp: call.sourceIp,
    secureTransport: call.secureTransport, // aws:SecureTransport
    userAgent: call.userAgent,
    requestId: call.requestId,
    clock: deps.clock,
    random: deps.random,
    authorizedKeys: new Set<string>(),
  };
}

/** The authenticated caller's trace with what decoding learned (the record shows it, even when decoding failed). */
function decodedTrace(base: ApiCallTrace, principal: Principal, authorizedKeys: Set<string>, d: Decoded): ApiCallTrace {
  return {
    requestId: base.requestId,
    eventTime: base.eventTime,
    sourceIp: base.sourceIp,
    userAgent: base.userAgent,
    service: base.service,
    region: base.region,
    principal,
    authorizedKeys,
    operation: d.operation,
    request: d.request,
  };
}

/**
 * A call that fails authentication is still recorded when its access key is known (a bad
 * signature, an expired or wrong session token): under that key's principal, with the
 * operation it named but none of its members.
 */
async function unauthenticated(deps: PipelineDeps, base: ApiCallTrace, row: ServiceRoute | undefined, signed: ParsedSigV4, target: string | undefined, body: Buffer, parts: HttpRequestParts): Promise<ApiCallTrace> {
  if (!base.service || !row) return base;
  const principal: Principal | undefined = await ownerOfAccessKey(deps, signed);
  if (!principal) return base;
  return { ...base, principal, unauthenticated: true, operation: row.operationNamed(target, body, parts) };
}

/** S3: the row authenticates and serves, streaming the body. */
async function serveS3(deps: PipelineDeps, call: HttpCall, routed: { signed?: ParsedSigV4; s3: S3Row }): Promise<Served> {
  const base = callTrace(call, undefined);
  let outcome;
  try {
    await deps.store.revalidate?.();
    outcome = await routed.s3.serve(call.incoming, call.parts, routed.signed, call);
  } catch (e) {
    return failed(deps, call, 's3', base, e);
  }
  const trace: ApiCallTrace = { ...base, ...(outcome.principal ? { principal: outcome.principal } : {}), ...(outcome.operation !== undefined ? { operation: outcome.operation } : {}), ...(outcome.s3 ? { s3: outcome.s3 } : {}) };
  if (outcome.response) return { response: outcome.response, trace, service: 's3' };
  return failed(deps, call, 's3', trace, outcome.error);
}

/** A step failed: the error in the protocol of the service the request was for. */
function failed(deps: PipelineDeps, call: HttpCall, routedService: string | undefined, trace: ApiCallTrace, e: unknown): Served {
  const error = e instanceof AwsError ? e : internal(deps, e);
  const service = routedService ?? guessService(call.incoming, call.parts);
  const response = failureResponse(error, service, routedService, call);
  return { response, trace: { ...trace, error }, service };
}

/** Unexpected errors become AWS's retryable internal fault; the detail goes to the log only. */
function internal(deps: PipelineDeps, e: unknown): AwsError {
  deps.metrics.storeError('unexpected');
  deps.log(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return KMSInternalException('An internal error has occurred. Please retry your request.');
}

/**
 * Record, audit first: the call's records are committed before its response is sent. When they
 * cannot be, the call is answered with an internal error instead of succeeding unrecorded (the
 * records go to the log so the attempt is not lost entirely).
 */
export async function record(deps: PipelineDeps & EventDeps, served: Served, lap?: HttpCall['lap']): Promise<Answer> {
  const { trace, response } = served;
  if (deps.insecureSkipAudit) return { response, trace };
  let unrecorded = () => '';
  try {
    const recording = recordApiCall(trace, deps);
    unrecorded = recording.unrecorded;
    lap?.('audit record');
    await recording.committed;
    lap?.('audit wait');
    return { response, trace };
  } catch (e) {
    deps.metrics.storeError('audit_write');
    const error = KMSInternalException('An internal error has occurred. Please retry your request.');
    deps.log(`audit trail write failed (${(e as Error).message}); request ${trace.requestId} answered with an internal error. Unrecorded: ${unrecorded()}`);
    response.stream?.destroy();
    return { response: errorResponse(error, trace.requestId, served.service), trace: { ...trace, error } };
  }
}
