import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolveAccessKey } from '../auth/credentials.js';
import { resolveSessionCredentials } from '../auth/session-credentials.js';
import { parseSigV4, verifySigV4, type HttpRequestParts, type ParsedSigV4 } from '../auth/sigv4.js';
import { awsQueryError, serveIam, serveSts } from '../protocols/aws-query.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { Random } from '../crypto/random.js';
import { awsJsonError, serveKms, type WireResponse } from '../protocols/aws-json.js';
import { AwsError, KMSInternalException, UnknownOperationException, UnrecognizedClientException } from '../protocols/errors.js';
import type { CallContext } from '../services/call-context.js';
import type { KmsService } from '../services/kms/kms-service.js';
import type { Store } from '../store/ports.js';
import type { Clock } from '../util/clock.js';
import { readBody } from './read-body.js';

export interface ServerDeps {
  store: Store;
  keyring: RootKeyring;
  kms: KmsService;
  clock: Clock;
  random: Random;
  skewMs: number;
  log: (line: string) => void;
}

/** One listener for every service; each request is routed by the service in its SigV4 credential scope. */
export function createLocksmithServer(deps: ServerDeps): Server {
  return createServer((req, res) => {
    handle(deps, req, res).catch((e) => {
      deps.log(`internal error writing response: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    const ready = parts.rawPath === '/health' || (await deps.store.ping().catch(() => false));
    return send(res, deps, requestId, { status: ready ? 200 : 503, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: ready ? 'ok' : 'unavailable' }) });
  }
  const routed: { service?: string } = {};
  let response: WireResponse;
  try {
    response = await dispatch(deps, req, parts, requestId, routed);
  } catch (e) {
    const error = e instanceof AwsError ? e : internal(deps, e);
    response = errorResponse(error, requestId, routed.service ?? guessService(req));
    if (error.status === 413) response.headers.connection = 'close';
  }
  send(res, deps, requestId, response);
}

async function dispatch(
  deps: ServerDeps,
  req: IncomingMessage,
  parts: HttpRequestParts,
  requestId: string,
  routed: { service?: string },
): Promise<WireResponse> {
  const signed = parseSigV4(parts);
  routed.service = signed.service;
  const body = await readBody(req);
  const caller = await authenticate(deps, signed);
  verifySigV4(signed, parts, caller.secretAccessKey, {
    now: deps.clock.now(),
    skewMs: deps.skewMs,
    payloadSha256Hex: createHash('sha256').update(body).digest('hex'),
  });
  const ctx: CallContext = {
    principal: caller.principal,
    account: caller.principal.account,
    region: signed.region,
    sourceIp: req.socket.remoteAddress ?? '',
    secureTransport: false,
    userAgent: header(req, 'user-agent') ?? '',
    requestId,
    clock: deps.clock,
    random: deps.random,
  };
  switch (signed.service) {
    case 'kms':
      return serveKms(deps.kms, ctx, header(req, 'x-amz-target') ?? queryParam(parts.rawQuery, 'X-Amz-Target'), body);
    case 'iam':
      return serveIam(deps, ctx, queryInput(parts, body));
    case 'sts':
      return serveSts(deps, ctx, queryInput(parts, body));
    default:
      throw UnknownOperationException(`Locksmith does not serve the '${signed.service}' service.`);
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
  return service === 'iam' || service === 'sts' ? awsQueryError(error, requestId, service) : awsJsonError(error);
}

/** Before the credential scope is known (unsigned requests), the body's media type tells the protocol. */
function guessService(req: IncomingMessage): string {
  return (header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded') ? 'sts' : 'kms';
}

/** awsQuery parameters come in a POST body, or in the query string of a GET (e.g. presigned GetCallerIdentity). */
function queryInput(parts: HttpRequestParts, body: Buffer): Buffer {
  return parts.method === 'GET' && body.length === 0 ? Buffer.from(parts.rawQuery, 'utf8') : body;
}

/** Presigners hoist x-amz-* headers into the query string, X-Amz-Target included. */
function queryParam(rawQuery: string, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of new URLSearchParams(rawQuery)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Unexpected errors become AWS's retryable internal fault; the detail goes to the log only. */
function internal(deps: ServerDeps, e: unknown): AwsError {
  deps.log(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return KMSInternalException('An internal error has occurred. Please retry your request.');
}

function send(res: ServerResponse, deps: ServerDeps, requestId: string, r: WireResponse): void {
  res.writeHead(r.status, {
    ...r.headers,
    'x-amzn-requestid': requestId,
    date: deps.clock.now().toUTCString(),
    'content-length': Buffer.byteLength(r.body),
  });
  res.end(r.body);
}
