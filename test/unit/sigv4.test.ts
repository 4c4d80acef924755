/**
 * SigV4 round trips against the independent signer the AWS SDK uses (@smithy/signature-v4), and
 * rejection of every signed element once it is changed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import {
  parseSigV4,
  verifySigV4,
  SIGNATURE_MISMATCH_MESSAGE,
  type HttpRequestParts,
  type VerifyOptions,
} from '../../src/auth/sigv4.js';
import { AwsError } from '../../src/errors/aws-error.js';

const AKID = 'AKIAEXAMPLEEXAMPLE12';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEXAMPLE//token+with/slashes=';
const DATE = new Date('2026-11-22T10:11:12Z');
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The SDK's escapeUri / buildQueryString, as @smithy/node-http-handler puts the query on the wire. */
const escapeUri = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const wireQuery = (query: Record<string, string | string[] | null>) =>
  Object.keys(query)
    .sort()
    .flatMap((k) => {
      const v = query[k];
      if (Array.isArray(v)) return v.map((x) => `${escapeUri(k)}=${escapeUri(x)}`);
      return [typeof v === 'string' ? `${escapeUri(k)}=${escapeUri(v)}` : escapeUri(k)];
    })
    .join('&');

/** What node's http parser would hand over: lower-case names, trimmed values, bytes as latin1. */
type SdkRequest = { method: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string> };
function toWire(r: SdkRequest): HttpRequestParts {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = Buffer.from(v.trim(), 'utf8').toString('latin1');
  return { method: r.method, rawPath: r.path, rawQuery: wireQuery(r.query ?? {}), headers };
}

interface Shape {
  method?: string;
  path?: string; // as the SDK serializers produce it (already percent-encoded once)
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
  service?: string;
  region?: string;
  token?: boolean;
}

async function sdkSigned(shape: Shape, presign?: { expiresIn: number }): Promise<{ req: HttpRequestParts; opts: VerifyOptions }> {
  const service = shape.service ?? 'kms';
  const region = shape.region ?? 'us-east-1';
  const signer = new SignatureV4({
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET, ...(shape.token ? { sessionToken: TOKEN } : {}) },
    region,
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3', // as the S3 client configures it
  });
  const host = `${service}.${region}.amazonaws.com`;
  const request = new HttpRequest({
    method: shape.method ?? 'POST',
    protocol: 'https:',
    hostname: host,
    path: shape.path ?? '/',
    query: shape.query ?? {},
    headers: { host, ...shape.headers },
    ...(shape.body !== undefined ? { body: shape.body } : {}),
  });
  const signed = presign
    ? await signer.presign(request, { signingDate: DATE, expiresIn: presign.expiresIn })
    : await signer.sign(request, { signingDate: DATE });
  return { req: toWire(signed as HttpRequest), opts: { now: DATE, payloadSha256Hex: sha256(shape.body ?? '') } };
}

const verify = (req: HttpRequestParts, opts: VerifyOptions, secret = SECRET) => verifySigV4(parseSigV4(req), req, secret, opts);

const KMS_CALL: Shape = {
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' },
  body: '{"KeyId":"alias/app","Plaintext":"aGk="}',
  token: true,
};

const SHAPES: Record<string, Shape> = {
  'KMS JSON call': KMS_CALL,
  'empty body GET': { method: 'GET', body: '' },
  'path with spaces': { method: 'GET', path: '/a%20b/c%20d' },
  'unicode path': { method: 'GET', path: `/${escapeUri('ünï')}/${escapeUri('✓ ok')}` },
  'reserved characters in path': { method: 'GET', path: `/${escapeUri("a/b*c(d)!e'f")}/${escapeUri('+&=;')}` },
  'dot segments and double slashes': { method: 'GET', path: '/a/./b/../c//d/' },
  'trailing slash': { method: 'GET', path: '/x/y/' },
  'query with spaces and unicode': { method: 'GET', query: { 'a key': 'a value', 'ключ': 'значение ✓' } },
  'repeated query keys': { method: 'GET', query: { k: ['3', '1', '2', 'b a'], a: 'x' } },
  'empty query values': { method: 'GET', query: { empty: '', other: '', z: 'v' } },
  'query reserved characters': { method: 'GET', query: { '+': '/,?><`";:\\|][{}', '@#$%^': '', 'x~y': 'a+b=c&d' } },
  'odd header whitespace': { headers: { 'x-amz-meta-one': '  a   b \t c  ', 'x-custom': 'tab\there' } },
  'header with multiple values': { headers: { 'x-multi': 'v1,v2 ,  v3' } },
  'non-ASCII header value': { headers: { 'x-amz-meta-name': 'héllo ✓' } },
  'session token': { token: true },
  'other region and service (sts form post)': {
    service: 'sts',
    region: 'eu-central-1',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
  },
  'S3 object path': {
    service: 's3',
    method: 'PUT',
    path: `/bucket/${['dir', 'my key ✓.txt'].map(escapeUri).join('/')}`,
    body: 'object bytes',
  },
  'S3 path with dot segment kept': { service: 's3', method: 'GET', path: '/bucket/a/./b//c' },
};

describe('SigV4 round trip with @smithy/signature-v4', () => {
  for (const [name, shape] of Object.entries(SHAPES)) {
    it(`header form: ${name}`, async () => {
      const { req, opts } = await sdkSigned(shape);
      const parsed = parseSigV4(req);
      assert.equal(parsed.form, 'header');
      assert.equal(parsed.accessKeyId, AKID);
      assert.equal(parsed.service, shape.service ?? 'kms');
      assert.equal(parsed.sessionToken, shape.token ? TOKEN : undefined);
      verifySigV4(parsed, req, SECRET, opts);
      assert.throws(() => verify(req, opts, SECRET + 'x'), { message: SIGNATURE_MISMATCH_MESSAGE });
    });
    it(`presigned: ${name}`, async () => {
      const { req, opts } = await sdkSigned(shape, { expiresIn: 900 });
      const parsed = parseSigV4(req);
      assert.equal(parsed.form, 'query');
      assert.equal(parsed.expiresSeconds, 900);
      assert.equal(parsed.sessionToken, shape.token ? TOKEN : undefined);
      verifySigV4(parsed, req, SECRET, opts);
      assert.throws(() => verify(req, opts, SECRET + 'x'), { message: SIGNATURE_MISMATCH_MESSAGE });
    });
  }

  it('repeated header lines (node headersDistinct) match a comma-joined signed value', async () => {
    const { req, opts } = await sdkSigned({ headers: { 'x-multi': 'v1,v2,v3' } });
    verify({ ...req, headers: { ...req.headers, 'x-multi': ['v1', ' v2', 'v3 '] } }, opts);
    assert.throws(() => verify({ ...req, headers: { ...req.headers, 'x-multi': ['v1', 'v3', 'v2'] } }, opts), {
      message: SIGNATURE_MISMATCH_MESSAGE,
    });
  });

  it('unsigned extra headers do not matter', async () => {
    const { req, opts } = await sdkSigned(KMS_CALL);
    verify({ ...req, headers: { ...req.headers, 'user-agent': 'aws-cli/2', 'x-forwarded-for': '10.0.0.1' } }, opts);
  });

  it('S3 UNSIGNED-PAYLOAD only when the caller allows it', async () => {
    const shape: Shape = { service: 's3', method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body: 'data' };
    const { req, opts } = await sdkSigned(shape);
    verify(req, { ...opts, allowUnsignedPayload: true });
    assert.throws(() => verify(req, opts), {
      name: 'InvalidSignatureException',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
  });

  it('S3 presigned URL with hoisted X-Amz-Content-Sha256=UNSIGNED-PAYLOAD (JS SDK presigner)', async () => {
    const shape: Shape = { service: 's3', method: 'GET', path: '/b/k', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } };
    const { req, opts } = await sdkSigned(shape, { expiresIn: 60 });
    assert.match(req.rawQuery, /x-amz-content-sha256=UNSIGNED-PAYLOAD/);
    verify(req, { ...opts, allowUnsignedPayload: true });
    assert.throws(() => verify(req, opts), { name: 'InvalidSignatureException' });
  });

  it('S3 presigned URL without a payload parameter signs UNSIGNED-PAYLOAD (botocore style)', async () => {
    const credentials = { accessKeyId: AKID, secretAccessKey: SECRET };
    const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const host = 'b.s3.amazonaws.com';
    const request = new HttpRequest({
      method: 'GET',
      protocol: 'https:',
      hostname: host,
      path: '/k%20x',
      headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const skip = new Set(['x-amz-content-sha256']);
    const options = { signingDate: DATE, expiresIn: 60, unhoistableHeaders: skip, unsignableHeaders: skip };
    const signed = await signer.presign(request, options);
    const req = toWire(signed as HttpRequest);
    delete req.headers['x-amz-content-sha256']; // never sent: only the canonical request carries it
    verify(req, { now: DATE, payloadSha256Hex: sha256(''), allowUnsignedPayload: true });
    assert.throws(() => verify(req, { now: DATE, payloadSha256Hex: sha256('') }), { message: SIGNATURE_MISMATCH_MESSAGE });
  });

  it('a real KMSClient request verifies', async () => {
    const sent: HttpRequest[] = [];
    const client = new KMSClient({
      region: 'us-west-2',
      endpoint: 'http://127.0.0.1:4566',
      maxAttempts: 1,
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: TOKEN },
      requestHandler: {
        handle: async (request: HttpRequest) => {
          sent.push(request);
          throw new Error('captured');
        },
      } as never,
    });
    await assert.rejects(client.send(new ListKeysCommand({ Limit: 5 })), /captured/);
    const request = sent[0]!;
    const req = toWire(request);
    const parsed = parseSigV4(req);
    assert.deepEqual([parsed.service, parsed.region, parsed.sessionToken], ['kms', 'us-west-2', TOKEN]);
    const now = new Date(Date.parse(parsed.amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')));
    verifySigV4(parsed, req, SECRET, { now, payloadSha256Hex: sha256(String(request.body)) });
  });
});

/** Applies one change to a request; it must then be refused as a bad signature. */
const isSignatureError = (e: unknown) =>
  e instanceof AwsError && ['InvalidSignatureException', 'IncompleteSignatureException'].includes(e.code);
type Mutation = (r: HttpRequestParts) => HttpRequestParts;
const setHeader = (name: string, value: string | undefined): Mutation => (r) => ({ ...r, headers: { ...r.headers, [name]: value } });
const editHeader = (name: string, f: (v: string) => string): Mutation => (r) => setHeader(name, f(String(r.headers[name])))(r);
const editQuery = (f: (q: string) => string): Mutation => (r) => ({ ...r, rawQuery: f(r.rawQuery) });

function assertAllRejected(base: { req: HttpRequestParts; opts: VerifyOptions }, mutations: Record<string, Mutation>) {
  verify(base.req, base.opts); // the unmodified request is fine
  for (const [what, mutate] of Object.entries(mutations)) {
    assert.throws(() => verify(mutate(base.req), base.opts), isSignatureError, what);
  }
}

describe('SigV4 rejects any change to a signed element', () => {
  it('header form', async () => {
    const base = await sdkSigned({ ...KMS_CALL, path: '/p', query: { a: '1' } });
    const signedHeaders = parseSigV4(base.req).signedHeaders;
    assert.deepEqual(signedHeaders, ['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-security-token', 'x-amz-target']);
    const mutations: Record<string, Mutation> = {
      method: (r) => ({ ...r, method: 'PUT' }),
      path: (r) => ({ ...r, rawPath: '/q' }),
      'path encoding': (r) => ({ ...r, rawPath: '/%70' }),
      'query value': editQuery(() => 'a=2'),
      'query added': editQuery((q) => `${q}&b=1`),
      'query removed': editQuery(() => ''),
      'scope region': editHeader('authorization', (v) => v.replace('/us-east-1/', '/us-west-2/')),
      'scope service': editHeader('authorization', (v) => v.replace('/kms/', '/sts/')),
      'scope date': editHeader('authorization', (v) => v.replace('/20261122/', '/20261121/')),
      'signed header list': editHeader('authorization', (v) => v.replace('content-type;', '')),
      signature: editHeader('authorization', (v) => v.replace(/Signature=(.)/, (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`)),
      'signature upper-case': editHeader('authorization', (v) => v.replace(/Signature=(\w+)/, (_, s: string) => `Signature=${s.toUpperCase()}`)),
      'signature truncated': editHeader('authorization', (v) => v.slice(0, -2)),
    };
    for (const name of signedHeaders) {
      mutations[`header ${name} changed`] = editHeader(name, (v) => (name === 'x-amz-date' ? v.replace(/2Z$/, '3Z') : `${v}x`));
      mutations[`header ${name} removed`] = setHeader(name, undefined);
    }
    assertAllRejected(base, mutations);
    // The body hash is not part of the request parts: the caller's real hash no longer matches.
    assert.throws(() => verify(base.req, { ...base.opts, payloadSha256Hex: sha256('other') }), { name: 'InvalidSignatureException' });
  });

  it('presigned form', async () => {
    const base = await sdkSigned({ ...KMS_CALL, path: '/p', query: { a: '1' } }, { expiresIn: 600 });
    const q = (name: string, f: (v: string) => string): Mutation =>
      editQuery((raw) => raw.replace(new RegExp(`(^|&)${name}=([^&]*)`), (_, pre: string, v: string) => `${pre}${name}=${f(v)}`));
    assertAllRejected(base, {
      method: (r) => ({ ...r, method: 'GET' }),
      path: (r) => ({ ...r, rawPath: '/p/' }),
      'other param': q('a', () => '2'),
      'param added': editQuery((raw) => `${raw}&z=1`),
      'X-Amz-Date': q('X-Amz-Date', (v) => v.replace(/2Z$/, '3Z')),
      'X-Amz-Expires': q('X-Amz-Expires', () => '601'),
      'X-Amz-SignedHeaders': q('X-Amz-SignedHeaders', () => 'host'),
      'scope region': q('X-Amz-Credential', (v) => v.replace('us-east-1', 'eu-west-1')),
      'scope service': q('X-Amz-Credential', (v) => v.replace('kms', 'sts')),
      'scope date': q('X-Amz-Credential', (v) => v.replace('20261122', '20261123')),
      'session token': q('X-Amz-Security-Token', (v) => v.replace('EXAMPLE', 'EXAMPLF')),
      'session token removed': editQuery((raw) => raw.replace(/&?X-Amz-Security-Token=[^&]*/, '')),
      signature: q('X-Amz-Signature', (v) => (v[0] === 'a' ? 'b' : 'a') + v.slice(1)),
      'host header': setHeader('host', 'evil.example.com'),
      'signed header content-type': setHeader('content-type', 'application/json'),
      'hoisted x-amz-target': q('x-amz-target', () => 'TrentService.Decrypt'),
    });
    assert.throws(() => verify(base.req, { ...base.opts, payloadSha256Hex: sha256('other') }), { name: 'InvalidSignatureException' });
  });
});
