/**
 * Forgery: valid SigV4 requests (header form and presigned query form; a long-term IAM user key, a
 * GetSessionToken session and an AssumeRole session) with each signed element changed — method, path,
 * query, every signed header, body, X-Amz-Date, the credential scope's key/date/region/service/terminator,
 * SignedHeaders, the signature, the algorithm, the session token. Not one may be accepted; the
 * unmodified request, sent last, is (so no mutation had done its work). Replays: inside the skew window
 * accepted, outside refused — the server's ManualClock is moved, nothing sleeps.
 *
 * The mutation list is exhaustive and deterministic, so there is no size knob: it runs in full always.
 */
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, Harness, iamClient, stsClient } from '../blackbox/harness.js';
import { sendWire, type WireResponse } from './lib/http.js';
import { kmsHeaders, presignRaw, rfc3986, signKms, type Credentials, type WireRequest } from './lib/sign.js';

type Mutation = [what: string, request: WireRequest];

const clone = (r: WireRequest): WireRequest => ({ ...r, headers: { ...r.headers } });
const flipChar = (s: string, i = Math.floor(s.length / 2)) => s.slice(0, i) + (s[i] === 'a' ? 'b' : s[i] === 'A' ? 'B' : s[i] === '0' ? '1' : 'a') + s.slice(i + 1);
const shiftAmzDate = (d: string, ms: number) => new Date(Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`) + ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

/** Changes to the Credential value `AKID/date/region/service/aws4_request`. */
function credentialVariants(credential: string, otherAccessKeyId: string): [string, string][] {
  const [akid, date, region, service, term] = credential.split('/') as [string, string, string, string, string];
  const prevDay = shiftAmzDate(`${date}T000000Z`, -86_400_000).slice(0, 8);
  return [
    ['access key of another user', [otherAccessKeyId, date, region, service, term].join('/')],
    ['unknown access key', [flipChar(akid, akid.length - 1), date, region, service, term].join('/')],
    ['scope date a day earlier', [akid, prevDay, region, service, term].join('/')],
    ['scope region us-west-2', [akid, date, 'us-west-2', service, term].join('/')],
    ['scope region eu-west-1', [akid, date, 'eu-west-1', service, term].join('/')],
    ['scope service sts', [akid, date, region, 'sts', term].join('/')],
    ['scope service iam', [akid, date, region, 'iam', term].join('/')],
    ['scope service s3', [akid, date, region, 's3', term].join('/')],
    ['scope terminator', [akid, date, region, service, 'aws4_requesx'].join('/')],
  ];
}

function bodyVariants(body: string): [string, string][] {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return [
    ['body: one bit flipped', body.slice(0, 10) + String.fromCharCode(body.charCodeAt(10) ^ 1) + body.slice(11)],
    ['body: trailing space', body + ' '],
    ['body: truncated', body.slice(0, -1)],
    ['body: empty', ''],
    ['body: another alias name', JSON.stringify({ ...parsed, AliasName: `${String(parsed.AliasName)}x` })],
    ['body: members reordered', JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse()))],
  ];
}

/** Every change to a header-form request that must void its signature. */
function headerFormMutations(r: WireRequest, otherAccessKeyId: string, otherToken: string | undefined): Mutation[] {
  const out: Mutation[] = [];
  const add = (what: string, change: (m: WireRequest) => void) => {
    const m = clone(r);
    change(m);
    out.push([what, m]);
  };
  for (const method of ['PUT', 'GET', 'PATCH', 'DELETE']) add(`method ${method}`, (m) => (m.method = method));
  for (const path of ['/x', '/kms', '/%20', '/index.html']) add(`path ${path}`, (m) => (m.path = path));
  for (const q of ['a=b', 'X-Amz-Target=TrentService.DescribeKey', 'Action=CreateKey', 'a']) add(`query ?${q}`, (m) => (m.path = `/?${q}`));

  const auth = r.headers.authorization!;
  const m = /^(\S+) Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(auth);
  assert.ok(m, `unexpected Authorization layout: ${auth}`);
  const [, algorithm, credential, signedList, signature] = m as unknown as [string, string, string, string, string];
  const signed = signedList.split(';');
  const withAuth = (mm: WireRequest, a: string, c: string, s: string, sig: string) => (mm.headers.authorization = `${a} Credential=${c}, SignedHeaders=${s}, Signature=${sig}`);

  for (const name of signed) {
    const value = r.headers[name]!;
    const changed =
      name === 'host' ? value.replace('127.0.0.1', 'localhost')
        : name === 'x-amz-date' ? shiftAmzDate(value, 1000)
          : name === 'x-amz-target' ? 'TrentService.DescribeKey'
            : name === 'content-type' ? 'application/x-amz-json-1.0'
              : name === 'x-amz-security-token' && otherToken ? otherToken
                : flipChar(value);
    add(`signed header ${name} changed`, (mm) => (mm.headers[name] = changed));
    if (name !== 'host') add(`signed header ${name} removed`, (mm) => delete mm.headers[name]);
    // (node:http sends one Host header only, so host is not duplicated.)
    if (name !== 'host') add(`signed header ${name} sent twice`, (mm) => ((mm.headers as Record<string, string | string[]>)[name] = [value, changed]));
    if (name === 'x-amz-security-token') add('session token truncated', (mm) => (mm.headers[name] = value.slice(0, -4)));
    add(`${name} left out of SignedHeaders`, (mm) => withAuth(mm, algorithm, credential, signed.filter((s) => s !== name).join(';'), signature));
  }
  if (!signed.includes('x-amz-security-token')) add('session token added to a long-term key', (mm) => (mm.headers['x-amz-security-token'] = otherToken ?? 'FwoGZXIvYXdzEXAMPLE'));
  add('x-amz-date a day later (scope date kept)', (mm) => (mm.headers['x-amz-date'] = shiftAmzDate(r.headers['x-amz-date']!, 86_400_000)));
  add('SignedHeaders plus content-length', (mm) => withAuth(mm, algorithm, credential, [...signed, 'content-length'].sort().join(';'), signature));
  add('SignedHeaders reordered', (mm) => withAuth(mm, algorithm, credential, [...signed].reverse().join(';'), signature));
  for (const [what, c] of credentialVariants(credential, otherAccessKeyId)) add(`credential: ${what}`, (mm) => withAuth(mm, algorithm, c, signedList, signature));
  add('signature: one hex digit changed', (mm) => withAuth(mm, algorithm, credential, signedList, flipChar(signature, 5)));
  add('signature: upper case', (mm) => withAuth(mm, algorithm, credential, signedList, signature.toUpperCase()));
  add('signature: truncated', (mm) => withAuth(mm, algorithm, credential, signedList, signature.slice(0, 63)));
  add('signature: zeros', (mm) => withAuth(mm, algorithm, credential, signedList, '0'.repeat(64)));
  for (const a of ['AWS4-HMAC-SHA512', 'AWS4-ECDSA-P256-SHA256', 'AWS3-HMAC-SHA256']) add(`algorithm ${a}`, (mm) => withAuth(mm, a, credential, signedList, signature));
  for (const [what, body] of bodyVariants(r.body as string)) add(what, (mm) => (mm.body = body));
  return out;
}

const parseQuery = (path: string): [string, string][] =>
  path.slice(path.indexOf('?') + 1).split('&').map((p) => p.split('=').map(decodeURIComponent) as [string, string]);
const withQuery = (r: WireRequest, pairs: [string, string][]): WireRequest => ({ ...clone(r), path: '/?' + pairs.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&') });

/** Every change to a presigned (query-form) request that must void its signature. */
function queryFormMutations(r: WireRequest, otherAccessKeyId: string, otherToken: string | undefined): Mutation[] {
  const out: Mutation[] = [];
  const pairs = parseQuery(r.path);
  const set = (what: string, name: string, value: string | undefined) => {
    const next = pairs.filter(([k]) => k !== name);
    if (value !== undefined) next.splice(pairs.findIndex(([k]) => k === name), 0, [name, value]);
    out.push([what, withQuery(r, next)]);
  };
  for (const [name, value] of pairs) {
    if (name === 'X-Amz-Credential') {
      for (const [what, c] of credentialVariants(value, otherAccessKeyId)) set(`credential: ${what}`, name, c);
      continue;
    }
    const changes: Record<string, () => string> = {
      'X-Amz-Algorithm': () => 'AWS4-HMAC-SHA512',
      'X-Amz-Date': () => shiftAmzDate(value, 1000),
      'X-Amz-Expires': () => String(Number(value) + 1),
      'X-Amz-SignedHeaders': () => 'host',
      'X-Amz-Signature': () => flipChar(value, 7),
      'X-Amz-Security-Token': () => otherToken ?? flipChar(value),
      'x-amz-target': () => 'TrentService.DescribeKey',
    };
    const changed = (changes[name] ?? (() => flipChar(value)))();
    set(`query ${name} changed`, name, changed);
    if (name !== 'X-Amz-Algorithm') set(`query ${name} removed`, name, undefined);
    // A second X-Amz-Signature after the valid one is not a change to anything signed (the signature is
    // never part of the canonical query, in the reference signer either), so the forged one goes first.
    if (name === 'X-Amz-Signature') out.push([`query ${name} sent twice, forged one first`, withQuery(r, [[name, changed], ...pairs])]);
    else out.push([`query ${name} sent twice`, withQuery(r, [...pairs, [name, changed]])]);
  }
  if (!pairs.some(([k]) => k === 'X-Amz-Security-Token')) out.push(['session token added to a long-term key', withQuery(r, [...pairs, ['X-Amz-Security-Token', otherToken ?? 'FwoGZXIvYXdzEXAMPLE']])]);
  out.push(['extra query parameter', withQuery(r, [...pairs, ['a', 'b']])]);
  out.push(['X-Amz-Expires shortened', withQuery(r, pairs.map(([k, v]) => [k, k === 'X-Amz-Expires' ? '60' : v]))]);
  for (const method of ['PUT', 'GET']) out.push([`method ${method}`, { ...clone(r), method }]);
  out.push(['path /x', { ...clone(r), path: r.path.replace(/^\/\?/, '/x?') }]);
  for (const [name, value] of [['host', r.headers.host!.replace('127.0.0.1', 'localhost')], ['content-type', 'application/x-amz-json-1.0']] as const) {
    out.push([`signed header ${name} changed`, { ...clone(r), headers: { ...r.headers, [name]: value } }]);
  }
  out.push(['signed header content-type removed', { ...clone(r), headers: { host: r.headers.host! } }]);
  out.push(['x-amz-target header besides the query', { ...clone(r), headers: { ...r.headers, 'x-amz-target': 'TrentService.DescribeKey' } }]);
  for (const [what, body] of bodyVariants(r.body as string)) out.push([what, { ...clone(r), body }]);
  return out;
}

/** Authentication failures, in awsJson1.1 (KMS) and in awsQuery (when the scope names sts or iam). */
const AUTH_ERRORS = new Set([
  'InvalidSignatureException', 'IncompleteSignatureException', 'UnrecognizedClientException', 'MissingAuthenticationTokenException', 'ExpiredTokenException',
  'SignatureDoesNotMatch', 'InvalidClientTokenId', 'IncompleteSignature', 'MissingAuthenticationToken', 'ExpiredToken',
]);

/** The error type of an answer: `__type` (awsJson1.1) or `<Code>` (awsQuery XML). */
const errorType = (res: WireResponse): string | undefined => (typeof res.json?.__type === 'string' ? res.json.__type : /<Code>(\w+)<\/Code>/.exec(res.text)?.[1]);

/**
 * Refused, and refused by authentication: a 4xx from a later stage (say a SerializationException for
 * a truncated body) would mean the forged signature had been let through.
 */
function refused(what: string, res: WireResponse, seen: Map<string, number>): void {
  const type = errorType(res);
  seen.set(`${res.status} ${type}`, (seen.get(`${res.status} ${type}`) ?? 0) + 1);
  assert.ok(res.status >= 400 && res.status < 500, `${what}: accepted or not refused with a 4xx (HTTP ${res.status}: ${res.text.slice(0, 300)})`);
  assert.ok(type !== undefined && AUTH_ERRORS.has(type), `${what}: not refused by authentication: HTTP ${res.status} ${res.text.slice(0, 300)}`);
}

describe('SigV4 forgery and replay', () => {
  let h: Harness;
  let keyId: string;
  const principals: Record<string, Credentials> = {};
  let other: Credentials;
  before(async () => {
    h = await Harness.start();
    const iam = iamClient(h);
    const users: Record<string, Credentials> = {};
    for (const name of ['victim', 'other']) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'kms', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:*', 'sts:AssumeRole'], Resource: '*' }] }) }));
      const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
      users[name] = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    }
    principals.victim = users.victim!;
    other = users.other!;
    await iam.send(new CreateRoleCommand({
      RoleName: 'app',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/victim` }, Action: 'sts:AssumeRole' }] }),
    }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'kms', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }) }));
    iam.destroy();
    const sts = stsClient(h, principals.victim!);
    const session = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
    principals.session = { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! };
    const role = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/app`, RoleSessionName: 'forgery' }))).Credentials!;
    principals.role = { accessKeyId: role.AccessKeyId!, secretAccessKey: role.SecretAccessKey!, sessionToken: role.SessionToken! };
    sts.destroy();
    keyId = (await h.kms.send(new CreateKeyCommand({ Description: 'forgery target' }))).KeyMetadata!.KeyId!;
  });
  after(() => h.stop());

  let aliasN = 0;
  const createAlias = (c: Credentials, form: 'header' | 'query'): Promise<WireRequest> => {
    const body = JSON.stringify({ AliasName: `alias/forgery-${aliasN++}`, TargetKeyId: keyId });
    return form === 'header'
      ? signKms(h.endpoint, 'CreateAlias', body, { credentials: c, date: h.clock.now() })
      : presignRaw(h.endpoint, body, { credentials: c, date: h.clock.now(), headers: kmsHeaders('CreateAlias'), expiresIn: 300 });
  };

  for (const who of ['victim', 'session', 'role'] as const) {
    for (const form of ['header', 'query'] as const) {
      it(`${form} form, ${who === 'victim' ? 'long-term IAM user key' : who === 'session' ? 'GetSessionToken session' : 'AssumeRole session'}: no changed element is accepted`, async () => {
        const creds = principals[who]!;
        const otherToken = who === 'session' ? principals.role!.sessionToken : who === 'role' ? principals.session!.sessionToken : undefined;
        const original = await createAlias(creds, form);
        const mutations = form === 'header' ? headerFormMutations(original, other.accessKeyId, otherToken) : queryFormMutations(original, other.accessKeyId, otherToken);
        assert.ok(mutations.length >= 30, `only ${mutations.length} mutations`);
        const seen = new Map<string, number>();
        for (const [what, request] of mutations) refused(`${form}/${who}: ${what}`, await sendWire(h.endpoint, request), seen);
        const ok = await sendWire(h.endpoint, original);
        assert.equal(ok.status, 200, `the unmodified request is accepted — and no mutation created the alias first: ${ok.text}`);
        console.log(`${form} form, ${who}: ${mutations.length} mutations, all refused (${JSON.stringify(Object.fromEntries(seen))}); the original accepted`);
      });
    }
  }

  it('a presigned DescribeKey cannot be turned into another operation by an unsigned X-Amz-Target header', async () => {
    const body = JSON.stringify({ KeyId: keyId });
    const presigned = await presignRaw(h.endpoint, body, { credentials: principals.victim!, date: h.clock.now(), headers: kmsHeaders('DescribeKey'), expiresIn: 300 });
    const ok = await sendWire(h.endpoint, presigned);
    assert.equal(ok.status, 200, ok.text);
    // Whoever holds the URL adds a header that is not covered by X-Amz-SignedHeaders (content-type;host).
    const hijacked = await sendWire(h.endpoint, { ...presigned, headers: { ...presigned.headers, 'x-amz-target': 'TrentService.DisableKey' } });
    const state = (await sendWire(h.endpoint, presigned)).json?.KeyMetadata?.KeyState;
    assert.equal(state, 'Enabled', `the key was disabled through a presigned DescribeKey URL (answer: HTTP ${hijacked.status} ${hijacked.text})`);
    assert.ok(hijacked.status >= 400, `refused: HTTP ${hijacked.status} ${hijacked.text}`);
  });

  it('replays: accepted inside KMS\'s 5-minute skew window, refused outside it; presigned URLs expire', async () => {
    const describe = () => signKms(h.endpoint, 'DescribeKey', { KeyId: keyId }, { credentials: principals.victim!, date: h.clock.now() });
    const replayed = await describe();
    assert.equal((await sendWire(h.endpoint, replayed)).status, 200);
    h.advance(4 * 60_000 + 59_000);
    assert.equal((await sendWire(h.endpoint, replayed)).status, 200, 'a replay inside the window is accepted (as AWS does)');
    h.advance(2_000);
    const late = await sendWire(h.endpoint, replayed);
    assert.equal(late.json?.__type, 'InvalidSignatureException');
    assert.match(late.json.message, /^Signature expired: /);
    // Signed in the future (a client clock ahead by more than the window).
    const future = await signKms(h.endpoint, 'DescribeKey', { KeyId: keyId }, { credentials: principals.victim!, date: new Date(h.clock.now().getTime() + 5 * 60_000 + 2_000) });
    const early = await sendWire(h.endpoint, future);
    assert.equal(early.json?.__type, 'InvalidSignatureException');
    assert.match(early.json.message, /^Signature not yet current: /);
    // Presigned: valid until X-Amz-Date + X-Amz-Expires, whatever the skew window.
    const presigned = await presignRaw(h.endpoint, JSON.stringify({ KeyId: keyId }), { credentials: principals.victim!, date: h.clock.now(), headers: kmsHeaders('DescribeKey'), expiresIn: 60 });
    h.advance(59_000);
    assert.equal((await sendWire(h.endpoint, presigned)).status, 200);
    h.advance(2_000);
    const expired = await sendWire(h.endpoint, presigned);
    assert.equal(expired.json?.__type, 'InvalidSignatureException');
    assert.match(expired.json.message, /^Signature expired: /);
  });

  it('session credentials stop working when the session expires, however freshly signed', async () => {
    // GetSessionToken asked for 900 s; the replay test moved the clock about 6 minutes, this moves it past.
    h.advance(10 * 60_000);
    const fresh = await signKms(h.endpoint, 'DescribeKey', { KeyId: keyId }, { credentials: principals.session!, date: h.clock.now() });
    const r = await sendWire(h.endpoint, fresh);
    assert.equal(r.status, 400);
    assert.equal(r.json?.__type, 'ExpiredTokenException');
  });
});
