import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { HttpRequestParts } from '../auth/sigv4.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { DevClockControl } from '../services/locksmith/dev-clock-control.js';
import type { KmsService } from '../services/kms/kms-service.js';
import type { Store } from '../store/ports.js';
import type { Logger } from 'pino';
import { closeWith, ConnectionGuard, defaultConnectionLimits } from './connection-guard.js';
import type { LocksmithMetrics } from './metrics.js';
import { readBody } from './read-body.js';
import { byTurn } from './request-turns.js';
import type { S3Service } from '../services/s3/s3-service.js';
import type { S3WireResponse } from './s3-route.js';
import { isConsoleRequest, serveConsole } from './console-assets.js';
import { serveCall, type PipelineDeps } from './pipeline.js';
import { header } from './request-reading.js';
import { composeRoutes } from './compose-routes.js';
import type { ServiceRoutes } from './service-routes.js';
import type { StageTiming } from './stage-timing.js';

/** The pipeline's parts (store, keyring, clocks, audit, …) and the service objects its route table is built from. */
export interface ServerDeps extends PipelineDeps {
  store: Store;
  keyring: RootKeyring;
  kms: KmsService;
  metrics: LocksmithMetrics;
  /** One JSON line per request (request id, principal, service, operation, outcome, latency); none when absent. */
  requestLog?: Logger;
  /** Connection cap, deadlines and body memory (defaults: defaultConnectionLimits()). */
  connections?: ConnectionGuard;
  /** The S3 object service; requests signed for `s3` are unserved without it. */
  s3?: S3Service;
  /** `serve --insecure-dev-clock`: the lifecycle clock's control (LocksmithService.*DevClock). */
  devClock?: DevClockControl;
  /** LOCKSMITH_STAGE_TIMING=1: CPU and wall time per stage of the request path (stage-timing.ts). */
  timing?: StageTiming;
}

/**
 * One listener for every service; each request is routed by the service in its SigV4 credential scope.
 * With `tls` (PEM key and certificate chain, see tls.ts) an HTTPS listener serving the same requests.
 */
export function createLocksmithServer(deps: ServerDeps, tls?: { key: string; cert: string }): Server {
  const guard = (deps.connections ??= new ConnectionGuard(defaultConnectionLimits()));
  // The route table is built once, from the service objects of the composition root.
  const routes = composeRoutes(deps);
  const listener = guard.requests(
    byTurn((req, res) => {
      handle(deps, routes, req, res).catch((e) => {
        deps.log(`internal error writing response: ${(e as Error).message}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    }),
  );
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

async function handle(deps: ServerDeps, routes: ServiceRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  const timing = deps.timing;
  const timer = timing?.start();
  const { response, trace } = await serveCall(deps, routes, {
    parts,
    incoming: req,
    requestId,
    eventTime: deps.clock.now(),
    sourceIp: req.socket.remoteAddress ?? '',
    userAgent: header(req, 'user-agent') ?? '',
    secureTransport: (req.socket as TLSSocket).encrypted === true,
    readBody: () => readBody(req, undefined, deps.connections),
    authenticated: () => deps.connections?.authenticated(req.socket),
    ...(timer ? { lap: (stage) => timing!.lap(timer, stage) } : {}),
  });
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
  if (timer) timing!.lap(timer, 'send');
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

/** The headers every answer gets from `send`, whatever the response named. */
const SET_BY_SEND = new Set(['x-amzn-requestid', 'date', 'content-length']);

function send(res: ServerResponse, deps: ServerDeps, requestId: string, r: S3WireResponse): void {
  // A flat [name, value, …] list goes to node:http's header writer as it is; an object is walked key
  // by key: ~7 µs less of the main thread per answer at saturation (bench/README.md, "The HTTP shell alone").
  const headers: (string | number)[] = [];
  for (const name in r.headers) if (!SET_BY_SEND.has(name)) headers.push(name, r.headers[name]!);
  headers.push('x-amzn-requestid', requestId, 'date', (deps.requestClock ?? deps.clock).now().toUTCString(), 'content-length', r.contentLength ?? Buffer.byteLength(r.body));
  res.writeHead(r.status, headers);
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
