/**
 * Black-box harness: a real Locksmith on a free 127.0.0.1 port with a temporary data dir,
 * driven by the real AWS SDK (and raw SigV4-signed HTTP for shapes the SDK won't send).
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocksmith, type RunningLocksmith } from '../../src/server/app.js';
import { loadSeedFile } from '../../src/seed/load-seed.js';
import { validateSeed } from '../../src/seed/seed-schema.js';
import { KMS_OPERATIONS } from '../../src/services/kms/operations.js';
import { ManualClock } from '../../src/util/clock.js';
import { testDatabaseUrl } from '../lib/test-store.js';

export const implementedKmsOperations: string[] = Object.keys(KMS_OPERATIONS);
export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: any;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export class Harness {
  private constructor(
    readonly server: RunningLocksmith,
    readonly dataDir: string,
    readonly clock: ManualClock,
    readonly kms: KMSClient,
    private readonly ownsDataDir: boolean,
  ) {}

  static async start(
    opts: { dataDir?: string; clock?: ManualClock; seed?: unknown; seedFile?: string; requestLog?: (line: string) => void; metricsPort?: number; insecureDevClock?: boolean } = {},
  ): Promise<Harness> {
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'locksmith-test-'));
    const clock = opts.clock ?? new ManualClock(Date.now());
    const server = await startLocksmith({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      defaultAccount: ACCOUNT,
      defaultRegion: REGION,
      clock,
      seed: opts.seedFile ? loadSeedFile(opts.seedFile) : opts.seed === undefined ? undefined : validateSeed(opts.seed, 'test seed'),
      log: process.env.LOCKSMITH_TEST_LOG ? (l: string) => console.error(l) : () => {},
      requestLog: opts.requestLog,
      metricsPort: opts.metricsPort,
      insecureDevClock: opts.insecureDevClock,
      databaseUrl: await testDatabaseUrl(dataDir),
    });
    const kms = kmsClient(server.endpoint, server.rootCredentials);
    const h = new Harness(server, dataDir, clock, kms, opts.dataDir === undefined);
    h.syncClientClock();
    return h;
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  get credentials(): Credentials {
    return this.server.rootCredentials;
  }

  /** Moves the server's clock; SDK clients made by this harness sign with the moved time. */
  advance(ms: number): void {
    this.clock.advance(ms);
    this.syncClientClock();
  }

  private syncClientClock(): void {
    (this.kms.config as { systemClockOffset: number }).systemClockOffset = this.clock.now().getTime() - Date.now();
  }

  /** A KMS client with other credentials or region, signing with the server's clock. */
  client(credentials: Credentials = this.credentials, region = REGION): KMSClient {
    const c = kmsClient(this.endpoint, credentials, region);
    (c.config as { systemClockOffset: number }).systemClockOffset = this.clock.now().getTime() - Date.now();
    return c;
  }

  /** Sends a SigV4-signed awsJson1.1 KMS request with an arbitrary body. */
  async kmsRaw(operation: string, body: unknown, opts: { credentials?: Credentials; region?: string; rawBody?: string } = {}) {
    const text = opts.rawBody ?? JSON.stringify(body);
    const signed = await signRequest(this.endpoint, {
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` },
      body: text,
      credentials: opts.credentials ?? this.credentials,
      region: opts.region ?? REGION,
      service: 'kms',
      signingDate: this.clock.now(),
    });
    return send(this.endpoint, signed);
  }

  async stop(): Promise<void> {
    this.kms.destroy();
    await this.server.close();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** An S3 client (path-style addressing) signing with the server's clock. */
export function s3Client(h: Harness, credentials: Credentials = h.credentials, opts: { forcePathStyle?: boolean; endpoint?: string; region?: string } = {}): S3Client {
  const c = new S3Client({
    endpoint: opts.endpoint ?? h.endpoint, region: opts.region ?? REGION, credentials, forcePathStyle: opts.forcePathStyle ?? true, maxAttempts: 1,
    // Locksmith verifies signed payload hashes and unsigned payloads; aws-chunked trailers are a separate module.
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  (c.config as unknown as { systemClockOffset: number }).systemClockOffset = h.clock.now().getTime() - Date.now();
  return c;
}

export function kmsClient(endpoint: string, credentials: Credentials, region = REGION): KMSClient {
  return new KMSClient({ endpoint, region, credentials, maxAttempts: 1 });
}

export interface UnsignedRequest {
  method?: string;
  path?: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

/** Signs a request with the independent @smithy/signature-v4 signer. */
export async function signRequest(
  endpoint: string,
  r: UnsignedRequest & { credentials: Credentials; region: string; service: string; signingDate: Date },
): Promise<UnsignedRequest> {
  const url = new URL(endpoint);
  const req = new HttpRequest({
    method: r.method ?? 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: r.path ?? '/',
    query: r.query,
    headers: { ...r.headers, host: url.host },
    body: r.body,
  });
  const signer = new SignatureV4({ credentials: r.credentials, region: r.region, service: r.service, sha256: Sha256 });
  const signed = await signer.sign(req, { signingDate: r.signingDate });
  return { method: signed.method, path: signed.path, query: signed.query as Record<string, string>, headers: signed.headers, body: r.body };
}

/** Sends a request exactly as given over node:http. */
export function send(endpoint: string, r: UnsignedRequest): Promise<RawResponse> {
  const url = new URL(endpoint);
  const qs = r.query && Object.keys(r.query).length ? '?' + new URLSearchParams(r.query).toString().replace(/\+/g, '%20') : '';
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: r.method ?? 'POST', path: (r.path ?? '/') + qs, headers: r.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

/** Runs `fn` and returns the AWS error it throws (fails when it does not throw). */
export async function awsError(fn: () => Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await fn();
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** An IAM client for this server (awsQuery), signing with the server's current clock. */
export function iamClient(h: Harness, credentials: Credentials = h.credentials): IAMClient {
  const c = new IAMClient({ endpoint: h.endpoint, region: REGION, credentials, maxAttempts: 1 });
  (c.config as { systemClockOffset: number }).systemClockOffset = h.clock.now().getTime() - Date.now();
  return c;
}

/** An STS client for this server (awsQuery), signing with the server's current clock. */
export function stsClient(h: Harness, credentials: Credentials = h.credentials): STSClient {
  const c = new STSClient({ endpoint: h.endpoint, region: REGION, credentials, maxAttempts: 1 });
  (c.config as { systemClockOffset: number }).systemClockOffset = h.clock.now().getTime() - Date.now();
  return c;
}

/** Environment for the machine's `aws` CLI, configured only by the profile files Locksmith wrote into its data dir. */
export function awsCliEnv(h: Harness): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  if (process.env.PYENV_ROOT) env.PYENV_ROOT = process.env.PYENV_ROOT;
  env.AWS_CONFIG_FILE = join(h.dataDir, 'aws-config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(h.dataDir, 'aws-credentials');
  env.AWS_PROFILE = 'locksmith';
  return env;
}
