/**
 * The console's only way to the server: the public AWS APIs on the page's own origin, signed in
 * the browser with SigV4 by the AWS SDK (or by @smithy/signature-v4 for the two calls the SDK
 * cannot make: an upload that reports progress, and LocksmithService.Explain). No back door.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { IAMClient } from '@aws-sdk/client-iam';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  /** The caller's ARN (GetCallerIdentity at sign-in). */
  arn?: string;
  account?: string;
}

export interface Clients {
  session: Session;
  kms: KMSClient;
  s3: S3Client;
  iam: IAMClient;
  cloudtrail: CloudTrailClient;
  sts: STSClient;
}

const STORAGE = 'locksmith.console.session';

/** Credentials live in this tab's sessionStorage only (gone when the tab closes). */
export function savedSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(STORAGE);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: Session | undefined): void {
  if (s) sessionStorage.setItem(STORAGE, JSON.stringify(s));
  else sessionStorage.removeItem(STORAGE);
}

export function makeClients(session: Session): Clients {
  const endpoint = location.origin;
  const credentials = {
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    ...(session.sessionToken ? { sessionToken: session.sessionToken } : {}),
  };
  const common = { endpoint, region: session.region, credentials, maxAttempts: 1 };
  return {
    session,
    kms: new KMSClient(common),
    s3: new S3Client({ ...common, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
    iam: new IAMClient(common),
    cloudtrail: new CloudTrailClient(common),
    sts: new STSClient(common),
  };
}

function signer(session: Session, service: string): SignatureV4 {
  return new SignatureV4({
    service,
    region: session.region,
    sha256: Sha256,
    credentials: {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      ...(session.sessionToken ? { sessionToken: session.sessionToken } : {}),
    },
    // S3 signs the path as sent (RFC 3986-encoded once).
    uriEscapePath: service !== 's3',
  });
}

function request(method: string, path: string, headers: Record<string, string>, body?: string): HttpRequest {
  return new HttpRequest({
    method,
    protocol: location.protocol,
    hostname: location.hostname,
    ...(location.port ? { port: Number(location.port) } : {}),
    path,
    headers: { host: location.host, ...headers },
    ...(body !== undefined ? { body } : {}),
  });
}

/** The AWS error a raw call answered with, shaped like the SDK's (name + message). */
export class ApiError extends Error {
  constructor(name: string, message: string, readonly status: number) {
    super(message);
    this.name = name;
  }
}

/** LocksmithService.Explain (awsJson1.1, SigV4 scope service `locksmith`). */
export function explainCall(session: Session, input: Record<string, unknown>): Promise<unknown> {
  return locksmithCall(session, 'Explain', input);
}

/** A LocksmithService operation (Explain, VerifyAuditTrail, GetDevClock, AdvanceDevClock, SetDevClock). */
export async function locksmithCall(session: Session, operation: string, input: Record<string, unknown>): Promise<any> {
  const body = JSON.stringify(input);
  const signed = await signer(session, 'locksmith').sign(
    request('POST', '/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `LocksmithService.${operation}` }, body),
  );
  const headers = { ...signed.headers };
  delete headers.host;
  const res = await fetch(location.origin + '/', { method: 'POST', headers, body });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    throw new ApiError('InvalidResponse', `The server answered ${res.status} with a body that is not JSON.`, res.status);
  }
  if (!res.ok) {
    const type = String(json.__type ?? res.headers.get('x-amzn-errortype') ?? `HTTP ${res.status}`).split('#').pop()!.split(':')[0]!;
    throw new ApiError(type, String(json.message ?? json.Message ?? ''), res.status);
  }
  return json;
}

/** S3 path for a path-style request: each segment RFC 3986-encoded. */
function s3Path(bucket: string, key: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `/${enc(bucket)}/${key.split('/').map(enc).join('/')}`;
}

export interface UploadOptions {
  bucket: string;
  key: string;
  file: Blob;
  contentType?: string;
  /** 'aws:kms' with an optional key id, 'AES256', or none (the bucket's default). */
  sse?: { algorithm: 'aws:kms' | 'AES256'; kmsKeyId?: string; bucketKey?: boolean };
  onProgress: (loaded: number, total: number) => void;
}

/**
 * PutObject through XMLHttpRequest (fetch reports no upload progress), signed with
 * UNSIGNED-PAYLOAD (S3 SigV4 allows it: "Signature Calculations for the Authorization Header").
 */
export async function putObjectWithProgress(session: Session, o: UploadOptions): Promise<{ etag: string | null; sse: string | null }> {
  const path = s3Path(o.bucket, o.key);
  const headers: Record<string, string> = {
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    'content-type': o.contentType || 'application/octet-stream',
  };
  if (o.sse) {
    headers['x-amz-server-side-encryption'] = o.sse.algorithm;
    if (o.sse.kmsKeyId) headers['x-amz-server-side-encryption-aws-kms-key-id'] = o.sse.kmsKeyId;
    if (o.sse.bucketKey !== undefined) headers['x-amz-server-side-encryption-bucket-key-enabled'] = String(o.sse.bucketKey);
  }
  const signed = await signer(session, 's3').sign(request('PUT', path, headers));
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', location.origin + path);
    for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => o.onProgress(e.loaded, e.lengthComputable ? e.total : o.file.size);
    xhr.onerror = () => reject(new ApiError('NetworkError', 'The upload could not reach the server.', 0));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        o.onProgress(o.file.size, o.file.size);
        resolve({ etag: xhr.getResponseHeader('etag'), sse: xhr.getResponseHeader('x-amz-server-side-encryption') });
        return;
      }
      const doc = new DOMParser().parseFromString(xhr.responseText, 'application/xml');
      const code = doc.querySelector('Error > Code')?.textContent ?? `HTTP ${xhr.status}`;
      const message = doc.querySelector('Error > Message')?.textContent ?? '';
      reject(new ApiError(code, message, xhr.status));
    };
    xhr.send(o.file);
  });
}

/** "Name: message" for any error the SDK or the raw calls throw. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const name = e.name && e.name !== 'Error' ? e.name : '';
    return name ? `${name}: ${e.message || '(no message)'}` : e.message;
  }
  return String(e);
}

export function errorName(e: unknown): string {
  return e instanceof Error ? e.name : '';
}
