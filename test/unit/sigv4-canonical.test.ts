/** Canonical-request building blocks (AWS General Reference, "Create a canonical request"). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SigningKeyCache,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  uriDecode,
  uriEncode,
} from '../../src/auth/sigv4-canonical.js';

describe('canonical URI', () => {
  it('non-S3: normalized, then the received path encoded again', () => {
    const cases: Array<[string, string]> = [
      ['', '/'],
      ['/', '/'],
      ['/a%20b', '/a%2520b'],
      ['/a b', '/a%20b'],
      ['/\u1234', '/%E1%88%B4'],
      ['/a/./b/../c//', '/a/c/'],
      ['/..', '/'],
      ['/a*b(c)', '/a%2Ab%28c%29'],
      ['/-._~', '/-._~'],
    ];
    for (const [raw, want] of cases) assert.equal(canonicalUri(raw, false), want, raw);
  });

  it('S3: not normalized, each segment encoded exactly once', () => {
    const cases: Array<[string, string]> = [
      ['/b/a%20b', '/b/a%20b'],
      ['/b/a%2fb', '/b/a%2Fb'],
      ['/b/a b', '/b/a%20b'],
      ['/b/%7Ex~', '/b/~x~'],
      ['/./', '/./'],
      ['/b//k', '/b//k'],
      ['/b/k+1', '/b/k%2B1'],
      ['/b/100%', '/b/100%25'],
    ];
    for (const [raw, want] of cases) assert.equal(canonicalUri(raw, true), want, raw);
  });
});

describe('canonical query string', () => {
  it('decodes, re-encodes and sorts by name then value', () => {
    const cases: Array<[string, string]> = [
      ['', ''],
      ['b=2&a=1', 'a=1&b=2'],
      ['a=2&a=1&a=10', 'a=1&a=10&a=2'],
      ['B=1&a=1', 'B=1&a=1'], // byte order: upper case first
      ['acl', 'acl='],
      ['a=', 'a='],
      ['&&a=1&', 'a=1'],
      ['a=b+c', 'a=b%20c'], // '+' is a space in a query string
      ['a=b%2Bc', 'a=b%2Bc'],
      ['a=%7e%2a', 'a=~%2A'],
      ['a==b', 'a=%3Db'],
      ['%E1%88%B4=bar', '%E1%88%B4=bar'],
      ['\u1234=bar', '%E1%88%B4=bar'],
      ['a=%zz&b=%', 'a=%25zz&b=%25'], // malformed escapes stay literal
      ['X-Amz-Signature=abc&x=1', 'x=1'],
    ];
    for (const [raw, want] of cases) assert.equal(canonicalQuery(raw), want, raw);
  });
});

describe('percent coding', () => {
  it('encodes everything but RFC 3986 unreserved characters, upper-case hex', () => {
    assert.equal(uriEncode(Buffer.from("AZaz09-._~ /!*'()%+é"), false), "AZaz09-._~%20%2F%21%2A%27%28%29%25%2B%C3%A9");
    assert.equal(uriEncode(Buffer.from('/a b/'), true), '/a%20b/');
  });
  it('decodes to bytes, even ones that are not UTF-8', () => {
    assert.deepEqual([...uriDecode('%ff%41+', true)], [0xff, 0x41, 0x20]);
    assert.deepEqual([...uriDecode('+', false)], [0x2b]);
  });
});

describe('canonical request', () => {
  it('lists signed headers trimmed, collapsed, repeated values comma-joined, bytes kept', () => {
    const req = {
      method: 'POST',
      rawPath: '/',
      rawQuery: 'b=1&a=2',
      headers: {
        host: 'example.com',
        'x-a': ['  a   b  ', 'c\t\td'],
        'x-latin1': Buffer.from('é✓', 'utf8').toString('latin1'), // as node hands over raw bytes
        'x-unsigned': 'ignored',
      },
    };
    const out = canonicalRequest({ req, signedHeaders: ['host', 'x-a', 'x-latin1'], payloadHash: 'HASH', s3: false });
    const want = Buffer.concat([
      Buffer.from('POST\n/\na=2&b=1\nhost:example.com\nx-a:a b,c d\nx-latin1:'),
      Buffer.from('é✓', 'utf8'),
      Buffer.from('\n\nhost;x-a;x-latin1\nHASH'),
    ]);
    assert.deepEqual(out, want);
  });
});

describe('signing key', () => {
  it('matches the AWS documentation example (20120215/us-east-1/iam)', () => {
    const key = new SigningKeyCache().signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam');
    assert.equal(key.toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });

  it('the cache stays bounded and returns the same keys as a fresh derivation', () => {
    const cache = new SigningKeyCache(3);
    const fresh = (i: number) => new SigningKeyCache().signingKey(`secret${i}`, '20261122', 'us-east-1', 'kms');
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(cache.signingKey(`secret${i}`, '20261122', 'us-east-1', 'kms'), fresh(i));
      assert.ok(cache.size <= 3);
    }
    assert.deepEqual(cache.signingKey('secret9', '20261122', 'us-east-1', 'kms'), fresh(9)); // a hit
    assert.notDeepEqual(cache.signingKey('secret9', '20261122', 'us-east-1', 's3'), fresh(9));
    assert.equal(cache.size, 3);
  });
});
