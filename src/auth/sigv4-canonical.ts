/**
 * SigV4 canonical request, string to sign and signing key.
 * AWS General Reference, "Create a canonical request for Signature Version 4" and
 * "Calculate the signature for AWS Signature Version 4". Byte-exact: node hands us header values
 * as latin1 byte strings, so a canonical request with any non-ASCII character is assembled as bytes;
 * an all-ASCII one (the usual case) is hashed as the string it is.
 */
import { createHmac, hash } from 'node:crypto';
import { WipingCache } from '../crypto/wiping-cache.js';

export interface HttpRequestParts {
  method: string; // 'POST'
  rawPath: string; // raw path as received, before '?', e.g. '/'
  rawQuery: string; // raw query string without '?', '' if none
  /** Lower-cased names. Prefer node's `req.headersDistinct` so repeated headers keep their own values. */
  headers: Record<string, string | string[] | undefined>;
}

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const TERMINATOR = 'aws4_request';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** All values of a header (node's `headersDistinct` gives arrays, `headers` joins repeats). */
export function headerValues(headers: HttpRequestParts['headers'], name: string): string[] {
  const v = headers[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export const firstHeader = (headers: HttpRequestParts['headers'], name: string): string | undefined =>
  headerValues(headers, name)[0];

/** Bytes of a string from node: chars ≤ 0xFF are raw bytes (latin1); anything wider is UTF-16 text. */
const headerBytes = (s: string): Buffer => Buffer.from(s, /[^\x00-\xff]/.test(s) ? 'utf8' : 'latin1');

const isUnreserved = (b: number) =>
  (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
  b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
const HEX = '0123456789ABCDEF';

/** RFC 3986 §2.3: everything except unreserved characters is %XX (upper-case hex). */
export function uriEncode(bytes: Uint8Array, keepSlash: boolean): string {
  let out = '';
  for (const b of bytes) {
    if (isUnreserved(b) || (keepSlash && b === 0x2f)) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

const hexVal = (c: number) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;

/**
 * Percent-decodes to bytes. Malformed escapes stay literal (they re-encode as %25…), so decoding never
 * throws; '+' is a space in query strings (application/x-www-form-urlencoded, as URLSearchParams reads it).
 */
export function uriDecode(s: string, plusIsSpace: boolean): Buffer {
  const src = Buffer.from(s, 'utf8');
  const out = Buffer.alloc(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0x25 && i + 2 < src.length) {
      const hi = hexVal(src[i + 1]!);
      const lo = hexVal(src[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = plusIsSpace && c === 0x2b ? 0x20 : c;
  }
  return out.subarray(0, n);
}

/** Query string → decoded (name, value) byte pairs, in order; empty `&&` segments are skipped. */
export function parseQuery(rawQuery: string): Array<[Buffer, Buffer]> {
  const pairs: Array<[Buffer, Buffer]> = [];
  if (rawQuery === '') return pairs;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([uriDecode(name, true), uriDecode(value, true)]);
  }
  return pairs;
}

/**
 * Canonical URI. Non-S3 services: remove empty and dot segments, then URI-encode the path as received
 * (so existing %XX become %25XX), exactly as @smithy/signature-v4 and botocore do. S3: no normalization,
 * each segment encoded once (decoded first so equivalent encodings agree).
 */
export function canonicalUri(rawPath: string, s3: boolean): string {
  if (rawPath === '' || rawPath === '/') return '/';
  if (s3) return rawPath.split('/').map((seg) => uriEncode(uriDecode(seg, false), false)).join('/');
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const lead = rawPath.startsWith('/') ? '/' : '';
  const trail = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return uriEncode(Buffer.from(lead + segments.join('/') + trail, 'utf8'), true);
}

/**
 * Canonical query string: names and values decoded then RFC 3986-encoded, sorted by name then value.
 * X-Amz-Signature is never part of it (the SDK drops it in either form).
 */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = parseQuery(rawQuery)
    .map(([n, v]) => [uriEncode(n, false), uriEncode(v, false)] as const)
    .filter(([n]) => n.toLowerCase() !== 'x-amz-signature');
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** What trimAll would change; a value without any of these is already trimmed. */
const NEEDS_TRIM = /[\r\n\t]|  |^ | $/;
const NON_ASCII = /[^\x00-\x7f]/;

/** Trimall: CR/LF become spaces, runs of spaces/tabs collapse to one, ends trimmed. */
const trimAll = (v: string) =>
  NEEDS_TRIM.test(v) ? v.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '') : v;

export interface CanonicalInput {
  req: HttpRequestParts;
  signedHeaders: string[];
  payloadHash: string;
  s3: boolean;
}

/** The canonical request as bytes (header values may carry non-ASCII bytes). */
export function canonicalRequest(input: CanonicalInput): Buffer {
  const data = canonicalRequestData(input);
  return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}

/**
 * The canonical request as one string when it is all ASCII (the usual case: its bytes are then
 * its characters, whatever the encoding), otherwise as the bytes canonicalBytes assembles.
 */
export function canonicalRequestData(input: CanonicalInput): string | Buffer {
  const { req, signedHeaders, payloadHash, s3 } = input;
  let text = `${req.method}\n${canonicalUri(req.rawPath, s3)}\n${canonicalQuery(req.rawQuery)}\n`;
  for (const name of signedHeaders) {
    const v = req.headers[name];
    text += name + ':';
    if (typeof v === 'string') text += trimAll(v);
    else if (v !== undefined) for (let i = 0; i < v.length; i++) text += (i > 0 ? ',' : '') + trimAll(v[i]!);
    text += '\n';
  }
  text += `\n${signedHeaders.join(';')}\n${payloadHash}`;
  return NON_ASCII.test(text) ? canonicalBytes(input) : text;
}

/** The canonical request assembled as bytes: node's latin1 header strings stay raw bytes. */
function canonicalBytes({ req, signedHeaders, payloadHash, s3 }: CanonicalInput): Buffer {
  const chunks: Buffer[] = [
    Buffer.from(`${req.method}\n${canonicalUri(req.rawPath, s3)}\n${canonicalQuery(req.rawQuery)}\n`, 'utf8'),
  ];
  for (const name of signedHeaders) {
    const values = headerValues(req.headers, name).map((v) => headerBytes(trimAll(v)));
    const joined: Buffer[] = [];
    values.forEach((v, i) => joined.push(...(i > 0 ? [Buffer.from(',')] : []), v));
    chunks.push(Buffer.from(`${name}:`, 'utf8'), ...joined, Buffer.from('\n'));
  }
  chunks.push(Buffer.from(`\n${signedHeaders.join(';')}\n${payloadHash}`, 'utf8'));
  return Buffer.concat(chunks);
}

export const credentialScope = (date: string, region: string, service: string) =>
  `${date}/${region}/${service}/${TERMINATOR}`;

/**
 * String to sign: algorithm, request date, credential scope, hex SHA-256 of the canonical request
 * (bytes, or an all-ASCII string from canonicalRequestData).
 */
export function stringToSign(amzDate: string, scope: string, canonical: Buffer | string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${hash('sha256', canonical, 'hex')}`;
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** kSigning (SigV4 "Calculate the signature"): HMAC chain over date, region, service, "aws4_request". */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  let key = hmac(`AWS4${secret}`, date);
  for (const part of [region, service, TERMINATOR]) key = hmac(key, part);
  return key;
}

/**
 * Derived signing keys (kSigning), bounded and least-recently-used. The map key is a SHA-256 over the
 * JSON array [secret, date, region, service] (unambiguous), so the secret itself is never a key.
 * An instance belongs to its server (the composition root); an evicted key is wiped, so callers use
 * a returned key at once (synchronously) or copy it.
 */
export class SigningKeyCache {
  private readonly keys: WipingCache;
  /** Id of the most recently used entry (the cache's newest). */
  private newest: string | undefined;
  constructor(maxEntries = 1000) {
    this.keys = new WipingCache(maxEntries);
  }

  get size(): number {
    return this.keys.size;
  }

  signingKey(secret: string, date: string, region: string, service: string): Buffer {
    const id = hash('sha256', JSON.stringify([secret, date, region, service]), 'base64');
    const hit = this.keys.get(id);
    if (hit) {
      // Most hits are the key used last (one caller, one day): already the most recent entry.
      if (id !== this.newest) {
        this.keys.promote(id, hit);
        this.newest = id;
      }
      return hit;
    }
    const key = deriveSigningKey(secret, date, region, service);
    this.keys.add(id, key);
    this.newest = id;
    return key;
  }

  /** Wipes and drops every key (the server closing). */
  clear(): void {
    this.keys.clear();
    this.newest = undefined;
  }
}

/** HMAC-SHA256(kSigning, stringToSign) as raw bytes. */
export const signatureBytes = (signingKey: Buffer, sts: string): Buffer => hmac(signingKey, sts);
