/**
 * Known-answer tests: published AWS SigV4 test-suite requests (test/vectors/sigv4/, see README there)
 * must verify with the suite's credentials and clock, and fail when anything about them changes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSigV4, verifySigV4, type HttpRequestParts } from '../../src/auth/sigv4.js';
import {
  SigningKeyCache,
  canonicalRequest,
  credentialScope,
  signatureBytes,
  stringToSign,
} from '../../src/auth/sigv4-canonical.js';

const DIR = join(fileURLToPath(import.meta.url), '../../vectors/sigv4');
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = new Date('2015-08-30T12:36:00Z');

/** A raw HTTP/1.1 request as the suite writes it → what the server hands the verifier. */
function readRequest(file: string): { req: HttpRequestParts; body: string } {
  const text = readFileSync(file, 'utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  const [requestLine = '', ...lines] = head.split('\n');
  const method = requestLine.slice(0, requestLine.indexOf(' '));
  const target = requestLine.slice(method.length + 1, requestLine.lastIndexOf(' '));
  const q = target.indexOf('?');
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim()); // like node's headersDistinct
  }
  return {
    req: { method, rawPath: q < 0 ? target : target.slice(0, q), rawQuery: q < 0 ? '' : target.slice(q + 1), headers },
    body,
  };
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const files = (sub: string) => readdirSync(join(DIR, sub)).filter((f) => f.endsWith('.sreq')).sort();

for (const form of ['header', 'query'] as const) {
  describe(`AWS SigV4 test suite, ${form} form`, () => {
    it('has vectors', () => assert.ok(files(form).length >= 8));
    for (const name of files(form)) {
      it(name, () => {
        const { req, body } = readRequest(join(DIR, form, name));
        const parsed = parseSigV4(req);
        assert.equal(parsed.form, form);
        assert.equal(parsed.accessKeyId, 'AKIDEXAMPLE');
        assert.equal(parsed.service, 'service');
        assert.equal(parsed.region, 'us-east-1');
        const opts = { now: NOW, payloadSha256Hex: sha256(body) };
        verifySigV4(parsed, req, SECRET, opts);
        // The same request with one more byte of body, or another secret, must not verify.
        assert.throws(() => verifySigV4(parsed, req, SECRET, { ...opts, payloadSha256Hex: sha256(body + ' ') }), {
          name: 'InvalidSignatureException',
        });
        assert.throws(() => verifySigV4(parsed, req, SECRET.replace('K7', 'K8'), opts), {
          name: 'InvalidSignatureException',
        });
      });
    }
  });
}

describe('AWS SigV4 test suite, header form specifics', () => {
  it('session token vectors expose the token', () => {
    const { req } = readRequest(join(DIR, 'header', 'get-vanilla-with-session-token.sreq'));
    assert.equal(parseSigV4(req).sessionToken, '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267');
  });

  it('repeated header lines are joined with commas in order', () => {
    const { req } = readRequest(join(DIR, 'header', 'get-header-key-duplicate.sreq'));
    const reordered = { ...req, headers: { ...req.headers, 'my-header1': ['value1', 'value2', 'value2'] } };
    const opts = { now: NOW, payloadSha256Hex: sha256('') };
    verifySigV4(parseSigV4(req), req, SECRET, opts);
    assert.throws(() => verifySigV4(parseSigV4(reordered), reordered, SECRET, opts), /does not match/);
  });

  it('the presigned vectors expire after X-Amz-Expires (3600 s)', () => {
    const { req } = readRequest(join(DIR, 'query', 'get-vanilla-query-order-key-case.sreq'));
    const parsed = parseSigV4(req);
    assert.equal(parsed.expiresSeconds, 3600);
    const at = (s: number) => ({ now: new Date(NOW.getTime() + s * 1000), payloadSha256Hex: sha256('') });
    verifySigV4(parsed, req, SECRET, at(3600));
    assert.throws(() => verifySigV4(parsed, req, SECRET, at(3601)), {
      message: 'Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T133601Z - 60 min.)',
    });
  });
});

describe('AWS SigV4 test suite, unnormalized (S3-style) path', () => {
  it('get-slash-dot-slash-unnormalized signs "/./" as is', () => {
    const { req } = readRequest(join(DIR, 's3-style', 'get-slash-dot-slash-unnormalized.sreq'));
    const parsed = parseSigV4(req);
    const signWith = (s3: boolean) => {
      const canonical = canonicalRequest({ req, signedHeaders: parsed.signedHeaders, payloadHash: sha256(''), s3 });
      const key = new SigningKeyCache().signingKey(SECRET, parsed.scopeDate, parsed.region, parsed.service);
      const scope = credentialScope(parsed.scopeDate, parsed.region, parsed.service);
      return signatureBytes(key, stringToSign(parsed.amzDate, scope, canonical)).toString('hex');
    };
    assert.equal(signWith(true), parsed.signature);
    assert.notEqual(signWith(false), parsed.signature); // normalized "/" gives the vanilla signature
    assert.equal(signWith(false), '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });
});
