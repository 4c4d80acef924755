/**
 * SigV4 phase 1: find and validate the signature parameters (no body, no secret, no clock), so the
 * server can route by the credential-scope service and look up the access key.
 * AWS General Reference, "Signature Version 4 signing process": "Add the signature to the HTTP request"
 * (Authorization header) and "Authenticating requests: using query parameters" (presigned URLs).
 * Messages follow the texts AWS services return.
 */
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
} from '../errors/aws-error.js';
import { ALGORITHM, TERMINATOR, firstHeader, parseQuery, type HttpRequestParts } from './sigv4-canonical.js';

export type { HttpRequestParts } from './sigv4-canonical.js';

export interface ParsedSigV4 {
  form: 'header' | 'query';
  accessKeyId: string;
  scopeDate: string; // YYYYMMDD
  region: string;
  service: string; // e.g. 'kms', 'sts', 's3'
  signedHeaders: string[];
  signature: string; // hex
  amzDate: string; // YYYYMMDDTHHMMSSZ
  expiresSeconds?: number; // presigned only
  sessionToken?: string; // X-Amz-Security-Token header or query param
}

export const MAX_PRESIGNED_EXPIRES_SECONDS = 604800; // 7 days (presigned URL limit)
export const MISSING_AUTHENTICATION_TOKEN_MESSAGE = 'Missing Authentication Token';
export const HOST_NOT_SIGNED_MESSAGE = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
export const DATE_NOT_SIGNED_MESSAGE = "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.";
export const BOTH_FORMS_MESSAGE =
  "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.";

const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** ISO 8601 basic format (YYYYMMDD'T'HHMMSS'Z') → epoch ms; undefined unless a real UTC instant. */
export function parseAmzDate(s: string): number | undefined {
  const m = ISO_BASIC.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  // A real instant: nothing rolled over (month 13, Feb 30, second 60) and no two-digit-year mapping.
  const t = new Date(ms);
  const exact =
    t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d &&
    t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === se;
  return exact ? ms : undefined;
}

export const formatAmzDate = (ms: number): string =>
  new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

/** What both forms yield before the shared checks. */
interface Draft {
  form: 'header' | 'query';
  algorithm: string;
  credential: string;
  signedHeaders: string;
  signature: string;
  amzDate: string;
  expiresSeconds?: number;
  sessionToken?: string;
}

/**
 * Phase 1. Throws MissingAuthenticationTokenException (no SigV4 at all), IncompleteSignatureException
 * (missing/malformed parts, bad date, algorithm, credential shape) or InvalidSignatureException (both
 * forms, Host/X-Amz-Date unsigned, bad credential scope). Neither the clock nor the signature is checked.
 */
export function parseSigV4(req: HttpRequestParts): ParsedSigV4 {
  const authorization = firstHeader(req.headers, 'authorization');
  const query = parseQuery(req.rawQuery).map(([n, v]) => [n.toString('utf8'), v.toString('utf8')] as const);
  const param = (name: string) => query.find(([n]) => n === name)?.[1];
  const hasHeader = authorization !== undefined && authorization.trim() !== '';
  const hasQuery = param('X-Amz-Algorithm') !== undefined;

  if (hasHeader && hasQuery) throw InvalidSignatureException(BOTH_FORMS_MESSAGE);
  let draft: Draft;
  if (hasQuery) draft = fromQuery(param);
  // Any other scheme (Basic, Bearer, SigV2 "AWS …") carries no SigV4 token at all.
  else if (hasHeader && authorization.trim().startsWith('AWS4-')) draft = fromHeader(req, authorization);
  else throw MissingAuthenticationTokenException(MISSING_AUTHENTICATION_TOKEN_MESSAGE);
  return finish(draft);
}

/** Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=… */
function fromHeader(req: HttpRequestParts, raw: string): Draft {
  const value = raw.trim();
  const space = value.search(/\s/);
  const algorithm = space < 0 ? value : value.slice(0, space);
  const params = new Map<string, string>();
  const rest = space < 0 ? '' : value.slice(space + 1).trim();
  for (const piece of rest === '' ? [] : rest.split(',')) {
    // An empty piece (",," or a trailing comma) is malformed like any other piece without "=".
    const p = piece.trim();
    const eq = p.indexOf('=');
    if (eq < 0) {
      throw IncompleteSignatureException(
        `'${p}' not a valid key=value pair (missing equal-sign) in Authorization header: '${value}'`,
      );
    }
    params.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim()); // a repeated key: the last one wins
  }
  const credential = params.get('Credential') ?? '';
  const signature = params.get('Signature') ?? '';
  const signedHeaders = params.get('SignedHeaders');
  const amzDate = firstHeader(req.headers, 'x-amz-date') ?? firstHeader(req.headers, 'date');
  const missing: string[] = [];
  if (credential === '') missing.push("Authorization header requires 'Credential' parameter.");
  if (signature === '') missing.push("Authorization header requires 'Signature' parameter.");
  if (signedHeaders === undefined) missing.push("Authorization header requires 'SignedHeaders' parameter.");
  if (amzDate === undefined) {
    missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (missing.length > 0 || signedHeaders === undefined || amzDate === undefined) {
    throw IncompleteSignatureException(`${missing.join(' ')} Authorization=${raw}`);
  }
  const sessionToken = firstHeader(req.headers, 'x-amz-security-token');
  return { form: 'header', algorithm, credential, signedHeaders, signature, amzDate, sessionToken };
}

/** Presigned: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature [, -Security-Token]. */
function fromQuery(param: (name: string) => string | undefined): Draft {
  const required = ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date', 'X-Amz-Expires'];
  const missing = required.filter((name) => {
    const v = param(name);
    return v === undefined || (v === '' && name !== 'X-Amz-SignedHeaders'); // empty list fails the Host check
  });
  if (missing.length > 0) {
    const parts = missing.map((name) => `AWS query-string parameters must include '${name}'.`);
    throw IncompleteSignatureException(`${parts.join(' ')} Re-examine the query-string parameters.`);
  }
  const expires = param('X-Amz-Expires')!;
  if (!/^\d+$/.test(expires)) throw IncompleteSignatureException(`X-Amz-Expires should be a number, got '${expires}'.`);
  const expiresSeconds = Number(expires);
  if (expiresSeconds < 1) throw IncompleteSignatureException('X-Amz-Expires must be at least 1 second.');
  if (expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw IncompleteSignatureException(
      `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES_SECONDS}.`,
    );
  }
  return {
    form: 'query',
    algorithm: param('X-Amz-Algorithm')!,
    credential: param('X-Amz-Credential')!,
    signedHeaders: param('X-Amz-SignedHeaders')!,
    signature: param('X-Amz-Signature')!,
    amzDate: param('X-Amz-Date')!,
    expiresSeconds,
    sessionToken: param('X-Amz-Security-Token'),
  };
}

/** Checks shared by both forms, in the order AWS reports them. */
function finish(d: Draft): ParsedSigV4 {
  if (parseAmzDate(d.amzDate) === undefined) {
    throw IncompleteSignatureException(
      `Date must be in ISO-8601 'basic format'. Got '${d.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  const signedHeaders = d.signedHeaders.split(';').map((h) => h.toLowerCase());
  if (!signedHeaders.includes('host')) throw InvalidSignatureException(HOST_NOT_SIGNED_MESSAGE);
  // Header form: the request date travels in a header and must be covered (presigned: it is in the query).
  if (d.form === 'header' && !signedHeaders.includes('x-amz-date')) throw InvalidSignatureException(DATE_NOT_SIGNED_MESSAGE);
  if (d.algorithm !== ALGORITHM) {
    throw IncompleteSignatureException(`Unsupported AWS 'algorithm': '${d.algorithm}' (only ${ALGORITHM} for now). `);
  }
  const parts = d.credential.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // trailing slashes are ignored
  if (parts.length !== 5) {
    throw IncompleteSignatureException(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${d.credential}'`,
    );
  }
  const [accessKeyId, scopeDate, region, service, terminator] = parts as [string, string, string, string, string];
  let scopeErrors = '';
  if (!REGION.test(region)) scopeErrors += `Credential should be scoped to a valid region, not '${region}'. `;
  if (terminator !== TERMINATOR) {
    scopeErrors += `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'. `;
  }
  if (scopeDate !== d.amzDate.slice(0, 8)) {
    scopeErrors +=
      'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
      `'${scopeDate}' != '${d.amzDate.slice(0, 8)}', from '${d.amzDate}'.`;
  }
  if (scopeErrors !== '') throw InvalidSignatureException(scopeErrors);
  const parsed: ParsedSigV4 = { form: d.form, accessKeyId, scopeDate, region, service, signedHeaders, signature: d.signature, amzDate: d.amzDate };
  if (d.expiresSeconds !== undefined) parsed.expiresSeconds = d.expiresSeconds;
  if (d.sessionToken !== undefined) parsed.sessionToken = d.sessionToken;
  return parsed;
}
