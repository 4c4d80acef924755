/**
 * SigV4-signed KMS (awsJson1.1) requests made with the independent @smithy/signature-v4 signer,
 * in the header form and the presigned-query form, ready to send byte for byte.
 */
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './node-sha256.js';

export const REGION = 'us-east-1';
export const JSON_11 = 'application/x-amz-json-1.1';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A request as it goes on the wire: `path` includes the query string. */
export interface WireRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface SignOptions {
  credentials: Credentials;
  date: Date;
  region?: string;
  service?: string;
  method?: string;
  path?: string;
  query?: Record<string, string>;
  /** Headers to sign besides host (and what the signer adds). */
  headers?: Record<string, string>;
}

/** RFC 3986 encoding, as SigV4 canonicalizes query strings. */
export const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

export function queryString(query: Record<string, string> | undefined): string {
  if (!query) return '';
  const parts = Object.entries(query).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`);
  return parts.length ? '?' + parts.join('&') : '';
}

function httpRequest(endpoint: string, body: string | Buffer, o: SignOptions): HttpRequest {
  const url = new URL(endpoint);
  return new HttpRequest({
    method: o.method ?? 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: o.path ?? '/',
    query: o.query ?? {},
    headers: { ...(o.headers ?? {}), host: url.host },
    body,
  });
}

const signer = (o: SignOptions) =>
  new SignatureV4({ credentials: o.credentials, region: o.region ?? REGION, service: o.service ?? 'kms', sha256: NodeSha256 });

const toWire = (signed: HttpRequest, body: string | Buffer): WireRequest => ({
  method: signed.method,
  path: signed.path + queryString(signed.query as Record<string, string>),
  headers: { ...signed.headers },
  body,
});

/** Header-form signature (Authorization, X-Amz-Date, X-Amz-Security-Token when a session). */
export async function signRaw(endpoint: string, body: string | Buffer, o: SignOptions): Promise<WireRequest> {
  const signed = await signer(o).sign(httpRequest(endpoint, body, o), { signingDate: o.date });
  return toWire(signed as HttpRequest, body);
}

/** Presigned-query form: X-Amz-* in the query; the body hash is still signed. */
export async function presignRaw(endpoint: string, body: string | Buffer, o: SignOptions & { expiresIn: number }): Promise<WireRequest> {
  const signed = await signer(o).presign(httpRequest(endpoint, body, o), { signingDate: o.date, expiresIn: o.expiresIn });
  return toWire(signed as HttpRequest, body);
}

export const kmsHeaders = (operation: string): Record<string, string> => ({ 'content-type': JSON_11, 'x-amz-target': `TrentService.${operation}` });

/** A signed KMS call: `TrentService.<operation>` with a JSON (or raw) body. */
export function signKms(endpoint: string, operation: string, input: unknown, o: Omit<SignOptions, 'headers'> & { headers?: Record<string, string> }): Promise<WireRequest> {
  const body = typeof input === 'string' || Buffer.isBuffer(input) ? input : JSON.stringify(input);
  return signRaw(endpoint, body, { ...o, headers: { ...kmsHeaders(operation), ...(o.headers ?? {}) } });
}
