import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { AUDITED_SERVICES, type ApiCallTrace, type AuditedService } from '../audit/api-call.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { resolveAccessKey } from '../auth/credentials.js';
import { resolveSessionCredentials, sessionPrincipal } from '../auth/session-credentials.js';
import { parseSigV4, verifySigV4, type HttpRequestParts, type ParsedSigV4 } from '../auth/sigv4.js';
import { guessService, header, queryInput, signedTarget } from './request-reading.js';
import { awsQueryError, queryActionOf, serveIam, serveSts } from '../protocols/aws-query.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { Random } from '../crypto/random.js';
import { awsJsonError, kmsOperationOf, serveKms, type WireResponse } from '../protocols/aws-json.js';
import { cloudTrailOperationOf, serveCloudTrail } from '../protocols/cloudtrail-json.js';
import { locksmithOperationOf, serveLocksmith } from '../protocols/locksmith-json.js';
import { locksmithHandlers } from '../services/locksmith/handlers.js';
import type { DevClockControl } from '../services/locksmith/dev-clock-control.js';
import { AwsError, InvalidSignatureException, KMSInternalException, UnrecognizedClientException } from '../errors/aws-error.js';
import type { CallContext, Principal } from '../domain/call-context.js';
import type { KmsService } from '../services/kms/kms-service.js';
import type { Store } from '../store/ports.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from 'pino';
import { closeWith, ConnectionGuard, defaultConnectionLimits } from './connection-guard.js';
import type { LocksmithMetrics } from './metrics.js';
import { prepareRecord, recordApiCall } from './audit-first.js';
import { readBody } from './read-body.js';
import { unservedService, unservedServiceResponse } from './unknown-service.js';
import { restXmlError } from '../protocols/rest-xml.js';
import type { S3Service } from '../services/s3/s3-service.js';
import { dispatchS3, isS3Post, isUnsignedRequest, s3AuthError, s3ErrorResponse, type S3WireResponse } from './s3-route.js';
import { isConsoleRequest, serveConsole } from './console-assets.js';

export interface ServerDeps {
  store: Store;
  keyring: RootKeyring;
  kms: KmsService;
  clock: Clock;
  /** Real time for SigV4 (skew, presign expiry) and the Date header; `clock` when absent. */
  requestClock?: Clock;
  random: Random;
  /** Overrides every service's SigV4 request-time window (signatureWindowMs) when set. */
  skewMs?: number;
  log: (line: string) => void;
  /** Every KMS, IAM, STS and CloudTrail call is recorded here before it is answered. */
  audit: AuditRecorder;
  metrics: LocksmithMetrics;
  /** INSECURE (bench only): answer calls without recording them. */
  insecureSkipAudit?: boolean;
  /** One JSON line per request (request id, principal, service, operation, outcome, latency); none when absent. */
  requestLog?: Logger;
  /** Connection cap, deadlines and body memory (defaults: defaultConnectionLimits()). */
  connections?: ConnectionGuard;
  /** The S3 object service; requests signed for `s3` are unserved without it. */
  s3?: S3Service;
  /** `serve --insecure-dev-clock`: the lifecycle clock's control (LocksmithService.*DevClock). */
  devClock?: DevClockControl;
}

type Response = S3WireResponse;

/**
 * One listener for every service; each request is routed by the service in its SigV4 credential scope.
 * With `tls` (PEM key and certificate chain, see tls.ts) an HTTPS listener serving the same requests.
 */
export function createLocksmithServer(deps: ServerDeps, tls?: { key: string; cert: string }): Server {
  const guard = (deps.connections ??= new ConnectionGuard(defaultConnectionLimits()));
  const listener = guard.requests((req, res) => {
    handle(deps, req, res).catch((e) => {
      deps.log(`internal error writing response: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Deadlines are checked every second (Node's default is every 30 s).
  const server: Server = tls
    ? createHttpsServer({ ...tls, connectionsCheckingInterval: 1000, handshakeTimeout: guard.limits.headersTimeoutMs }, listener)
    : createServer({ connectionsCheckingInterval: 1000 }, listener);
  // Over TLS the guard tracks the TLS socket (what requests carry), once its handshake is done.
  guard.attach(server, tls ? 'secureConnection' : 'connection');
  // Requests HTTP itself cannot parse (bad framing, oversized headers) or that miss a deadline still
  // get an AWS-shaped answer, and their socket is closed for good (not half-closed: a client holding
  // its end open would otherwise keep our descriptor).
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A response is under way on this socket: a raw one would corrupt it.
    if (guard.inRequest(socket)) return socket.destroy();
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      // Unverified: AWS's wording for a request not received in time; S3's RequestTimeout text.
      const body = JSON.stringify({ __type: 'RequestTimeoutException', message: 'Your socket connection to the server was not read from or written to within the timeout period.' });
      return closeWith(socket, '408 Request Timeout', body);
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({ __type: tooLarge ? 'RequestHeaderFieldsTooLarge' : 'SerializationException', message: 'The request could not be parsed as HTTP.' });
    closeWith(socket, tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request', body);
  });
  return server;
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const requestId = deps.random.uuid();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const parts: HttpRequestParts = {
    method: req.method ?? 'GET',
    rawPath: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    headers: req.headersDistinct,
  };
  if (parts.method === 'GET' && (parts.rawPath === '/health' || parts.rawPath === '/ready')) {
    // Ready: the root key is loaded (every secret unwraps with it) and the store answers.
    const ready = parts.rawPath === '/health' || (deps.keyring.loaded && (await storePing(deps)));
    send(res, deps, requestId, { status: ready ? 200 : 503, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: ready ? 'ok' : 'unavailable' }) });
    return finished(deps, started, { requestId, service: 'locksmith', operation: `GET ${parts.rawPath}`, outcome: ready ? 'success' : 'Unavailable' });
  }
  if (isConsoleRequest(parts.method, parts.rawPath, parts.rawQuery, req)) return serveConsole(req, res, parts.rawPath);
  const trace: ApiCallTrace = {
    requestId,
    eventTime: deps.clock.now(),
    sourceIp: req.socket.remoteAddress ?? '',
    userAgent: header(req, 'user-agent') ?? '',
  };
  const routed: { service?: string } = {};
  let response: Response;
  try {
    response = await dispatch(deps, req, parts, trace, routed);
  } catch (e) {
    const error = e instanceof AwsError ? e : internal(deps, e);
    trace.error = error;
    const service = routed.service ?? guessService(req, parts);
    response =
      unservedServiceResponse(error, routed.service, req.headers, requestId) ??
      (service === 's3' ? s3ErrorResponse(s3AuthError(error, undefined) as AwsError, requestId, parts.method) : errorResponse(error, requestId, service));
    if (error.status === 413) response.headers.connection = 'close';
    // An S3 body refused before it was read (EntityTooLarge, a failed signature) is not drained: the connection ends.
    if (service === 's3' && !req.complete) response.headers.connection = 'close';
  }
  const recorded = await recordCall(deps, trace, response, routed.service ?? guessService(req, parts));
  if (recorded !== response) response.stream?.destroy();
  response = recorded;
  send(res, deps, requestId, response);
  const output = trace.output as { KeyId?: unknown } | undefined;
  finished(deps, started, {
    requestId,
    principal: trace.principal?.arn,
    service: trace.service ?? (trace.s3 ? 's3' : 'unknown'),
    operation: trace.operation ?? 'unknown',
    outcome: trace.error ? trace.error.code : 'success',
    keyArn: !trace.error && typeof output?.KeyId === 'string' && output.KeyId.startsWith('arn:') ? output.KeyId : undefined,
  });
}

interface Finished {
  requestId: string;
  principal?: string;
  service: string;
  operation: string;
  /** "success" or the AWS error code. */
  outcome: string;
  keyArn?: string;
}

/** Metrics and the request log line; never request or response content. */
function finished(deps: ServerDeps, started: number, f: Finished): void {
  const ms = performance.now() - started;
  deps.metrics.request(f.service, f.operation, f.outcome, ms / 1000, f.keyArn);
  deps.requestLog?.info(
    { requestId: f.requestId, principal: f.principal, service: f.service, operation: f.operation, outcome: f.outcome, latencyMs: Math.round(ms * 1000) / 1000 },
    'request',
  );
}

async function storePing(deps: ServerDeps): Promise<boolean> {
  const ok = await deps.store.ping().catch(() => false);
  if (!ok) deps.metrics.storeError('readiness_ping');
  return ok;
}

/**
 * Audit first: the call's records are committed before its response is sent. When they cannot
 * be, the call is answered with an internal error instead of succeeding unrecorded (the records
 * go to the log so the attempt is not lost entirely).
 */
async function recordCall(deps: ServerDeps, trace: ApiCallTrace, response: WireResponse, service: string): Promise<WireResponse> {
  if (deps.insecureSkipAudit) return response;
  let unrecorded = () => '';
  try {
    const recording = recordApiCall(trace, deps);
    unrecorded = recording.unrecorded;
    await recording.committed;
    return response;
  } catch (e) {
    deps.metrics.storeError('audit_write');
    trace.error = KMSInternalException('An internal error has occurred. Please retry your request.');
    deps.log(`audit trail write failed (${(e as Error).message}); request ${trace.requestId} answered with an internal error. Unrecorded: ${unrecorded()}`);
    return errorResponse(KMSInternalException('An internal error has occurred. Please retry your request.'), trace.requestId, service);
  }
}

async function dispatch(
  deps: ServerDeps,
  req: IncomingMessage,
  parts: HttpRequestParts,
  trace: ApiCallTrace,
  routed: { service?: string },
): Promise<Response> {
  // No SigV4 at all on an S3-shaped request: S3's anonymous access (never KMS, IAM or STS).
  const anonymous = deps.s3 !== undefined && isUnsignedRequest(parts) && (guessService(req, parts) === 's3' || isS3Post(parts));
  const signed = anonymous ? undefined : parseSigV4(parts);
  routed.service = signed?.service ?? 's3';
  if (signed && AUDITED_SERVICES.includes(signed.service)) {
    trace.service = signed.service as AuditedService;
    trace.region = signed.region;
  }
  if (signed === undefined || (signed.service === 's3' && deps.s3)) {
    await deps.store.revalidate?.();
    const env = {
      s3: deps.s3!, now: () => (deps.requestClock ?? deps.clock).now(), clock: deps.clock, random: deps.random,
      ...(deps.skewMs !== undefined ? { skewMs: deps.skewMs } : {}),
      ...(deps.connections ? { connections: deps.connections } : {}),
      authenticate: (p: ParsedSigV4) => authenticate(deps, p),
    };
    return dispatchS3(env, req, parts, signed, trace);
  }
  const body = await readBody(req, undefined, deps.connections);
  const target = signedTarget(req, parts, signed);
  // Other processes sharing the store may have written since the last request: caches catch up first.
  await deps.store.revalidate?.();
  let caller: Awaited<ReturnType<typeof authenticate>>;
  try {
    caller = await authenticate(deps, signed);
    verifySigV4(signed, parts, caller.secretAccessKey, {
      now: (deps.requestClock ?? deps.clock).now(),
      ...(deps.skewMs !== undefined ? { skewMs: deps.skewMs } : {}),
      payloadSha256Hex: createHash('sha256').update(body).digest('hex'),
    });
    deps.connections?.authenticated(req.socket);
  } catch (e) {
    await identifyUnauthenticated(deps, trace, signed, target, queryInput(parts, body));
    throw e;
  }
  trace.principal = caller.principal;
  const ctx: CallContext = {
    principal: caller.principal,
    account: caller.principal.account,
    region: signed.region,
    sourceIp: trace.sourceIp,
    secureTransport: (req.socket as TLSSocket).encrypted === true, // aws:SecureTransport
    userAgent: trace.userAgent,
    requestId: trace.requestId,
    clock: deps.clock,
    random: deps.random,
    authorizedKeys: (trace.authorizedKeys = new Set<string>()),
  };
  if (!deps.insecureSkipAudit) trace.prepare = () => prepareRecord(trace, deps);
  switch (signed.service) {
    case 'kms':
      return serveKms(deps.kms, ctx, target, body, trace);
    case 'iam':
      return serveIam(deps, ctx, queryInput(parts, body), trace);
    case 'sts':
      return serveSts(deps, ctx, queryInput(parts, body), trace);
    case 'cloudtrail':
      return serveCloudTrail(deps.store, ctx, target, body, trace);
    case 'locksmith':
      return serveLocksmith(locksmithHandlers({ ...deps, s3: deps.s3?.deps.s3 }), ctx, target, body, trace);
    default:
      throw unservedService(signed.service, parts.headers);
  }
}

/**
 * A call that fails authentication is still recorded when its access key is known (a bad
 * signature, an expired or wrong session token): under that key's principal, with the
 * operation it named but none of its members.
 */
async function identifyUnauthenticated(deps: ServerDeps, trace: ApiCallTrace, signed: ParsedSigV4, target: string | undefined, form: Buffer): Promise<void> {
  if (!trace.service) return;
  let principal: Principal | undefined;
  try {
    if (signed.accessKeyId.startsWith('ASIA')) {
      const session = await deps.store.sessions.get(signed.accessKeyId);
      principal = session && sessionPrincipal(session);
    } else {
      principal = (await resolveAccessKey(deps.store, deps.keyring, signed.accessKeyId))?.principal;
    }
  } catch {
    principal = undefined;
  }
  if (!principal) return;
  trace.principal = principal;
  trace.unauthenticated = true;
  trace.operation = operationNamed(trace.service, target, form);
}

function operationNamed(service: AuditedService, target: string | undefined, form: Buffer): string | undefined {
  switch (service) {
    case 'kms':
      try {
        return kmsOperationOf(target);
      } catch {
        return undefined;
      }
    case 'iam':
    case 'sts':
      return queryActionOf(service, form);
    case 'locksmith':
      return locksmithOperationOf(target);
    default:
      return cloudTrailOperationOf(target) === 'LookupEvents' ? 'LookupEvents' : undefined;
  }
}

/** Long-term keys (AKIA…) from the credential store; temporary ones (ASIA…) from STS sessions. */
async function authenticate(deps: ServerDeps, signed: ParsedSigV4) {
  const invalid = () => UnrecognizedClientException('The security token included in the request is invalid.');
  if (signed.accessKeyId.startsWith('ASIA')) {
    const session = await resolveSessionCredentials(deps.store, deps.keyring, signed.accessKeyId, signed.sessionToken, deps.clock.now());
    if (!session) throw invalid();
    return session;
  }
  if (signed.sessionToken !== undefined) throw invalid();
  const caller = await resolveAccessKey(deps.store, deps.keyring, signed.accessKeyId);
  if (!caller) throw invalid();
  return caller;
}

/** Errors in the protocol of the service the request was for: XML for awsQuery (IAM, STS), JSON otherwise. */
function errorResponse(error: AwsError, requestId: string, service: string): WireResponse {
  if (service === 's3') return restXmlError(error, requestId);
  return service === 'iam' || service === 'sts' ? awsQueryError(error, requestId, service) : awsJsonError(error);
}

/** Unexpected errors become AWS's retryable internal fault; the detail goes to the log only. */
function internal(deps: ServerDeps, e: unknown): AwsError {
  deps.metrics.storeError('unexpected');
  deps.log(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return KMSInternalException('An internal error has occurred. Please retry your request.');
}

function send(res: ServerResponse, deps: ServerDeps, requestId: string, r: Response): void {
  res.writeHead(r.status, {
    ...r.headers,
    'x-amzn-requestid': requestId,
    date: (deps.requestClock ?? deps.clock).now().toUTCString(),
    'content-length': r.contentLength ?? Buffer.byteLength(r.body),
  });
  if (!r.stream) {
    res.end(r.contentLength === undefined ? r.body : undefined);
    return;
  }
  // A read error mid-body cannot become an error response any more: the connection is cut. A client
  // that goes away closes the file (pipeline destroys both ends).
  pipeline(r.stream, res).catch((e: Error) => {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.log(`object read failed mid-response: ${e.message}`);
  });
}
