/** A pipeline without a socket: an in-memory store, real services, SigV4-signed requests as the SDK signs them. */
import type { IncomingMessage } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { NewAuditCall, NewAuditEvent } from '../../src/store/audit-ports.js';
import { callEvents } from '../../src/audit/event-builder.js';
import { createAccessKey, rootPrincipal } from '../../src/auth/credentials.js';
import { secureRandom } from '../../src/crypto/random.js';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import { composeRoutes } from '../../src/server/compose-routes.js';
import type { HttpCall, PipelineDeps } from '../../src/server/pipeline.js';
import type { ServiceRoutes } from '../../src/server/service-routes.js';
import { KmsService } from '../../src/services/kms/kms-service.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../src/util/clock.js';

export const ACCOUNT = '111122223333';

export interface TestPipeline {
  deps: PipelineDeps & { recorded: NewAuditEvent[]; logged: string[]; failAudit: boolean };
  routes: ServiceRoutes;
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

export async function testPipeline(): Promise<TestPipeline> {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  const store = openSqliteStore(':memory:');
  const keyring = RootKeyring.fromBytes(Buffer.alloc(32, 9), secureRandom);
  await store.credentials.ensureAccount(ACCOUNT, clock.now());
  const credentials = await createAccessKey(store, keyring, secureRandom, clock.now(), rootPrincipal(ACCOUNT));
  const recorded: NewAuditEvent[] = [];
  const logged: string[] = [];
  const deps = {
    store, keyring, clock, random: secureRandom, recorded, logged, failAudit: false,
    log: (line: string) => void logged.push(line),
    metrics: { storeError: () => undefined },
    audit: {
      record: async (events: NewAuditEvent[]) => {
        if (deps.failAudit) throw new Error('disk full');
        recorded.push(...events);
      },
      // As the recorder does where the store cannot derive the records itself (PostgreSQL).
      recordCall: async (call: NewAuditCall) => {
        if (deps.failAudit) throw new Error('disk full');
        recorded.push(...(await callEvents(call, { store, random: secureRandom })));
      },
    },
  };
  const routes = composeRoutes({ ...deps, kms: new KmsService(store, keyring) });
  return { deps, routes, credentials, close: () => store.close() };
}

export interface Request {
  service: string;
  headers?: Record<string, string>;
  body?: string;
  method?: string;
  path?: string;
  /** Sign with this secret instead of the caller's. */
  secret?: string;
  unsigned?: boolean;
}

/** An HttpCall as the socket side builds it, signed by the SDK's own signer at the pipeline's time. */
export async function httpCall(p: TestPipeline, r: Request): Promise<HttpCall> {
  const host = 'localhost';
  let request = new HttpRequest({
    method: r.method ?? 'POST', protocol: 'http:', hostname: host, path: r.path ?? '/',
    headers: { host, ...r.headers }, ...(r.body !== undefined ? { body: r.body } : {}),
  });
  if (!r.unsigned) {
    const signer = new SignatureV4({
      credentials: { accessKeyId: p.credentials.accessKeyId, secretAccessKey: r.secret ?? p.credentials.secretAccessKey },
      region: 'us-east-1', service: r.service, sha256: Sha256,
    });
    request = (await signer.sign(request, { signingDate: p.deps.clock.now() })) as HttpRequest;
  }
  const headers: Record<string, string> = {};
  const distinct: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(request.headers)) {
    headers[k.toLowerCase()] = v;
    distinct[k.toLowerCase()] = [v];
  }
  const body = Buffer.from(r.body ?? '');
  return {
    parts: { method: request.method, rawPath: request.path, rawQuery: '', headers: distinct },
    incoming: { headers, headersDistinct: distinct, complete: true } as unknown as IncomingMessage,
    requestId: secureRandom.uuid(), eventTime: p.deps.clock.now(), sourceIp: '127.0.0.1', userAgent: 'pipeline-test', secureTransport: false,
    readBody: async () => body,
    authenticated: () => void p.deps.logged.push(`authenticated ${r.service}`),
  };
}

export const kmsCall = (operation: string, input: unknown): Request => ({
  service: 'kms', headers: { 'x-amz-target': `TrentService.${operation}`, 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(input),
});
