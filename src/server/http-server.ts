import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolveAccessKey } from '../auth/credentials.js';
import { parseSigV4, verifySigV4, type HttpRequestParts } from '../auth/sigv4.js';
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
  let response: WireResponse;
  try {
    response = await dispatch(deps, req, parts, requestId);
  } catch (e) {
    const error = e instanceof AwsError ? e : internal(deps, e);
    response = awsJsonError(error);
    if (error.status === 413) response.headers.connection = 'close';
  }
  send(res, deps, requestId, response);
}

async function dispatch(deps: ServerDeps, req: IncomingMessage, parts: HttpRequestParts, requestId: string): Promise<WireResponse> {
  const signed = parseSigV4(parts);
  const body = await readBody(req);
  const caller = await resolveAccessKey(deps.store, deps.keyring, signed.accessKeyId);
  if (!caller) throw UnrecognizedClientException('The security token included in the request is invalid.');
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
    requestId,
    clock: deps.clock,
    random: deps.random,
  };
  switch (signed.service) {
    case 'kms':
      return serveKms(deps.kms, ctx, header(req, 'x-amz-target') ?? queryParam(parts.rawQuery, 'X-Amz-Target'), body);
    default:
      throw UnknownOperationException(`Locksmith does not serve the '${signed.service}' service.`);
  }
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
