/** SigV4 error cases with AWS's exception names and message texts; clock skew and presign expiry. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { checkSigV4Time, parseSigV4, verifySigV4, type HttpRequestParts } from '../../src/auth/sigv4.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const CRED = 'AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request';
const SIG = 'a'.repeat(64);
const auth = (value: string, headers: Record<string, string> = { 'x-amz-date': '20150830T123600Z' }): HttpRequestParts => ({
  method: 'POST',
  rawPath: '/',
  rawQuery: '',
  headers: { host: 'kms.us-east-1.amazonaws.com', ...headers, authorization: value },
});
const header = (cred = CRED, signed = 'host;x-amz-date', alg = 'AWS4-HMAC-SHA256') =>
  `${alg} Credential=${cred}, SignedHeaders=${signed}, Signature=${SIG}`;
const presigned = (query: string): HttpRequestParts => ({ method: 'GET', rawPath: '/', rawQuery: query, headers: { host: 'h' } });
const QUERY_OK =
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fkms%2Faws4_request' +
  `&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=${SIG}`;

function rejects(req: HttpRequestParts, name: string, message: string) {
  assert.throws(() => parseSigV4(req), (e: Error) => {
    assert.equal(e.name, name);
    assert.equal(e.message, message);
    return true;
  });
}

describe('SigV4 parse: which form', () => {
  it('neither header nor query parameters', () => {
    rejects({ method: 'GET', rawPath: '/', rawQuery: 'a=1', headers: {} }, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    rejects(auth(''), 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    rejects(auth('Bearer abc'), 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  });
  it('both at once', () => {
    rejects({ ...auth(header()), rawQuery: QUERY_OK }, 'InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  });
  it('parses both forms completely', () => {
    assert.deepEqual(parseSigV4(auth(header(), { 'x-amz-date': '20150830T123600Z', 'x-amz-security-token': 'tok' })), {
      form: 'header', accessKeyId: 'AKIDEXAMPLE', scopeDate: '20150830', region: 'us-east-1', service: 'kms',
      signedHeaders: ['host', 'x-amz-date'], signature: SIG, amzDate: '20150830T123600Z', sessionToken: 'tok',
    });
    assert.deepEqual(parseSigV4(presigned(`${QUERY_OK}&X-Amz-Security-Token=a%2Bb%2F%3D`)), {
      form: 'query', accessKeyId: 'AKIDEXAMPLE', scopeDate: '20150830', region: 'us-east-1', service: 'kms',
      signedHeaders: ['host'], signature: SIG, amzDate: '20150830T123600Z', expiresSeconds: 60, sessionToken: 'a+b/=',
    });
  });
});

describe('SigV4 parse: Authorization header', () => {
  it('lists every missing part, then the header', () => {
    rejects(auth('AWS4-HMAC-SHA256', {}), 'IncompleteSignatureException',
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either " +
        "a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256");
    const v = `AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host;x-amz-date`;
    rejects(auth(v), 'IncompleteSignatureException', `Authorization header requires 'Signature' parameter. Authorization=${v}`);
  });
  it('an empty piece between commas is malformed, not skipped', () => {
    for (const v of [`AWS4-HMAC-SHA256 Credential=${CRED},,SignedHeaders=host;x-amz-date, Signature=${'a'.repeat(64)}`, `${header()},`]) {
      rejects(auth(v), 'IncompleteSignatureException', `'' not a valid key=value pair (missing equal-sign) in Authorization header: '${v}'`);
    }
  });
  it('key=value pairs', () => {
    rejects(auth('AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=abc'), 'IncompleteSignatureException',
      "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: " +
        "'AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=abc'");
  });
  it('date format', () => {
    for (const d of ['2015-08-30T12:36:00Z', '20150830T123600', '20150230T123600Z', 'Sun, 30 Aug 2015 12:36:00 GMT']) {
      rejects(auth(header(), { 'x-amz-date': d }), 'IncompleteSignatureException',
        `Date must be in ISO-8601 'basic format'. Got '${d}'. See http://en.wikipedia.org/wiki/ISO_8601`);
    }
    rejects(auth(header(CRED, 'date;host'), { date: '20150830T123600Z' }), 'InvalidSignatureException',
      "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  });
  it('host and x-amz-date must be signed', () => {
    const host = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
    rejects(auth(header(CRED, 'x-amz-date')), 'InvalidSignatureException', host);
    rejects(auth(header(CRED, '')), 'InvalidSignatureException', host);
    rejects(auth(header(CRED, 'host')), 'InvalidSignatureException', "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  });
  it('algorithm', () => {
    rejects(auth(header(CRED, undefined, 'AWS4-HMAC-SHA512')), 'IncompleteSignatureException',
      "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ");
  });
  it('credential shape', () => {
    for (const c of ['AKIDEXAMPLE/20150830/us-east-1/kms', 'AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request/x', 'AKIDEXAMPLE']) {
      rejects(auth(header(c)), 'IncompleteSignatureException',
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${c}'`);
    }
    assert.equal(parseSigV4(auth(header(`${CRED}/`))).service, 'kms'); // trailing slashes are ignored
  });
  it('credential scope', () => {
    rejects(auth(header('AKIDEXAMPLE/20150830/us-east-1/kms/aws4_requestx')), 'InvalidSignatureException',
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requestx'. ");
    for (const r of ['US-EAST-1', 'useast1', 'us-east', 'moon-1', '']) {
      rejects(auth(header(`AKIDEXAMPLE/20150830/${r}/kms/aws4_request`)), 'InvalidSignatureException',
        `Credential should be scoped to a valid region, not '${r}'. `);
    }
    const dateMismatch = 'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ';
    rejects(auth(header(), { 'x-amz-date': '20150831T122100Z' }), 'InvalidSignatureException',
      `${dateMismatch}'20150830' != '20150831', from '20150831T122100Z'.`);
    rejects(auth(header('AKIDEXAMPLE/20150829/xx/kms/term')), 'InvalidSignatureException',
      "Credential should be scoped to a valid region, not 'xx'. " +
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'term'. " +
        `${dateMismatch}'20150829' != '20150830', from '20150830T123600Z'.`);
    for (const r of ['us-gov-west-1', 'cn-north-1', 'ap-southeast-2']) {
      assert.equal(parseSigV4(auth(header(`AKIDEXAMPLE/20150830/${r}/kms/aws4_request`))).region, r);
    }
  });
});

describe('SigV4 parse: presigned query', () => {
  it('lists every missing parameter', () => {
    rejects(presigned('X-Amz-Algorithm=AWS4-HMAC-SHA256'), 'IncompleteSignatureException',
      "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. " +
        "AWS query-string parameters must include 'X-Amz-Expires'. Re-examine the query-string parameters.");
    rejects(presigned(QUERY_OK.replace(/&X-Amz-Signature=\w+/, '')), 'IncompleteSignatureException',
      "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.");
  });
  it('X-Amz-Expires is 1..604800 seconds', () => {
    const withExpires = (e: string) => presigned(QUERY_OK.replace('X-Amz-Expires=60', `X-Amz-Expires=${e}`));
    assert.equal(parseSigV4(withExpires('1')).expiresSeconds, 1);
    assert.equal(parseSigV4(withExpires('604800')).expiresSeconds, 604800);
    rejects(withExpires('604801'), 'IncompleteSignatureException', 'X-Amz-Expires must be less than a week (in seconds) that is 604800.');
    rejects(withExpires('0'), 'IncompleteSignatureException', 'X-Amz-Expires must be at least 1 second.');
    rejects(withExpires('-5'), 'IncompleteSignatureException', "X-Amz-Expires should be a number, got '-5'.");
  });
  it('the signed headers must include host; algorithm and scope as for the header', () => {
    rejects(presigned(QUERY_OK.replace('X-Amz-SignedHeaders=host', 'X-Amz-SignedHeaders=content-type')), 'InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    rejects(presigned(QUERY_OK.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1')), 'IncompleteSignatureException',
      "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now). ");
    rejects(presigned(QUERY_OK.replace('us-east-1', 'nowhere')), 'InvalidSignatureException',
      "Credential should be scoped to a valid region, not 'nowhere'. ");
  });
});

const T = new Date('2018-11-05T21:56:03Z');
async function signedAt(presign?: number, service = 'kms'): Promise<HttpRequestParts> {
  const signer = new SignatureV4({ credentials: { accessKeyId: 'AKID', secretAccessKey: SECRET }, region: 'us-east-1', service, sha256: Sha256 });
  const request = new HttpRequest({ method: 'POST', protocol: 'https:', hostname: 'h', path: '/', headers: { host: 'h' }, body: '{}' });
  const r = presign ? await signer.presign(request, { signingDate: T, expiresIn: presign }) : await signer.sign(request, { signingDate: T });
  const query = Object.entries(r.query as Record<string, string>).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return { method: r.method, rawPath: r.path, rawQuery: query.join('&'), headers: r.headers };
}
const at = (req: HttpRequestParts, offsetMs: number, skewMs?: number) => () =>
  verifySigV4(parseSigV4(req), req, SECRET, {
    now: new Date(T.getTime() + offsetMs),
    payloadSha256Hex: createHash('sha256').update('{}').digest('hex'),
    ...(skewMs !== undefined ? { skewMs } : {}),
  });
const MIN = 60_000;

describe('SigV4 clock', () => {
  it('header form, KMS: 5 minutes either way, exactly at the limit accepted (AWS KMS answers "- 5 min.")', async () => {
    const req = await signedAt();
    at(req, 5 * MIN)();
    at(req, 5 * MIN + 999)();
    at(req, -5 * MIN)();
    assert.throws(at(req, 5 * MIN + 1000), {
      name: 'InvalidSignatureException',
      message: 'Signature expired: 20181105T215603Z is now earlier than 20181105T215604Z (20181105T220104Z - 5 min.)',
    });
    assert.throws(at(req, -5 * MIN - 1000), {
      name: 'InvalidSignatureException',
      message: 'Signature not yet current: 20181105T215603Z is still later than 20181105T215602Z (20181105T215102Z + 5 min.)',
    });
  });

  it('header form, STS (and S3): 15 minutes either way, exactly at the limit accepted', async () => {
    const req = await signedAt(undefined, 'sts');
    at(req, 15 * MIN)();
    at(req, 15 * MIN + 999)(); // the clock is read to the second
    at(req, -15 * MIN)();
    assert.throws(at(req, 15 * MIN + 1000), {
      name: 'InvalidSignatureException',
      message: 'Signature expired: 20181105T215603Z is now earlier than 20181105T215604Z (20181105T221104Z - 15 min.)',
    });
    assert.throws(at(req, -15 * MIN - 1000), {
      name: 'InvalidSignatureException',
      message: 'Signature not yet current: 20181105T215603Z is still later than 20181105T215602Z (20181105T214102Z + 15 min.)',
    });
  });

  it('header form: configured skew', async () => {
    const req = await signedAt();
    at(req, 5 * MIN, 5 * MIN)();
    assert.throws(at(req, 15 * MIN + 1000, 5 * MIN), {
      message: 'Signature expired: 20181105T215603Z is now earlier than 20181105T220604Z (20181105T221104Z - 5 min.)',
    });
    assert.throws(at(req, -91_000, 90_000), {
      message: 'Signature not yet current: 20181105T215603Z is still later than 20181105T215602Z (20181105T215432Z + 90 sec.)',
    });
  });

  it('presigned: valid until X-Amz-Date + X-Amz-Expires; not before X-Amz-Date - skew', async () => {
    const req = await signedAt(300, 'sts');
    at(req, 300_000)();
    at(req, -15 * MIN)();
    assert.throws(at(req, 301_000), {
      name: 'InvalidSignatureException',
      message: 'Signature expired: 20181105T215603Z is now earlier than 20181105T215604Z (20181105T220104Z - 5 min.)',
    });
    assert.throws(at(req, -15 * MIN - 1000), {
      name: 'InvalidSignatureException',
      message: 'Signature not yet current: 20181105T215603Z is still later than 20181105T215602Z (20181105T214102Z + 15 min.)',
    });
  });

  it('checkSigV4Time alone, before any key lookup', async () => {
    const parsed = parseSigV4(await signedAt());
    checkSigV4Time(parsed, T);
    assert.throws(() => checkSigV4Time(parsed, new Date(T.getTime() + 16 * MIN)), /^InvalidSignatureException: Signature expired/);
  });
});

describe('SigV4 signature check', () => {
  it('a wrong signature never reveals the expected one or the secret', async () => {
    const req = await signedAt();
    const expected = /Signature=(\w+)/.exec(String(req.headers.authorization))![1]!;
    const forged = { ...req, headers: { ...req.headers, authorization: String(req.headers.authorization).replace(expected, 'f'.repeat(64)) } };
    assert.throws(at(forged, 0), (e: Error) => {
      assert.equal(e.name, 'InvalidSignatureException');
      assert.equal(e.message, 'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
      assert.ok(!e.message.includes(expected) && !e.message.includes(SECRET));
      return true;
    });
  });

  it('a declared x-amz-content-sha256 must be the real body hash', async () => {
    const req = await signedAt();
    const wrong = { ...req, headers: { ...req.headers, 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } };
    assert.throws(at(wrong, 0), {
      name: 'InvalidSignatureException',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
    const unsigned = { ...req, headers: { ...req.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } };
    assert.throws(at(unsigned, 0), { message: "The provided 'x-amz-content-sha256' header does not match what was computed." });
  });
});
