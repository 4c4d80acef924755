/** The pipeline's steps one at a time, on values: route, authenticate, decode, encode (server/pipeline.ts, service-routes.ts). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseSigV4 } from '../../src/auth/sigv4.js';
import { AwsError } from '../../src/errors/aws-error.js';
import { authenticate } from '../../src/server/authenticate.js';
import { route } from '../../src/server/pipeline.js';
import type { S3Row } from '../../src/server/s3-route.js';
import { ACCOUNT, httpCall, kmsCall, testPipeline, type TestPipeline } from './pipeline-helpers.js';

describe('request pipeline steps (no socket)', () => {
  let p: TestPipeline;
  before(async () => {
    p = await testPipeline();
  });
  after(() => p.close());

  it('routes by the SigV4 signing name: a row per served service, none for an unserved one', async () => {
    for (const service of ['kms', 'iam', 'sts', 'cloudtrail', 'locksmith']) {
      const routed = route(p.routes, await httpCall(p, { service, body: '' }));
      assert.ok(!('s3' in routed));
      assert.equal(routed.route?.service, service);
    }
    const sqs = route(p.routes, await httpCall(p, { service: 'sqs', body: '' }));
    assert.equal(sqs.service, 'sqs');
    assert.ok(!('s3' in sqs) && sqs.route === undefined);
    // No S3 row in this table: a request signed for s3 is unserved, and an unsigned one is refused.
    assert.equal(p.routes.s3, undefined);
    assert.throws(() => route(p.routes, httpCallSync({ method: 'GET', path: '/bucket' })), { code: 'MissingAuthenticationTokenException' });
  });

  it('routes an unsigned S3-shaped request to the S3 row (anonymous access), and a signed KMS one never', async () => {
    const s3: S3Row = { service: 's3', serve: async () => ({ error: new AwsError('AccessDenied', 'Access Denied', 403) }) };
    const routes = { ...p.routes, s3 };
    const anonymous = route(routes, httpCallSync({ method: 'GET', path: '/bucket/key' }));
    assert.ok('s3' in anonymous && anonymous.signed === undefined);
    const kms = route(routes, await httpCall(p, kmsCall('ListKeys', {})));
    assert.ok(!('s3' in kms) && kms.route?.service === 'kms');
    assert.throws(() => route(routes, httpCallSync({ method: 'POST', path: '/', headers: { 'x-amz-target': 'TrentService.ListKeys' } })), {
      code: 'MissingAuthenticationTokenException',
    });
  });

  it('authenticates: the caller for a good signature, an AwsError value for a bad one or an unknown key', async () => {
    const good = await httpCall(p, kmsCall('ListKeys', {}));
    const caller = await authenticate(p.deps, parseSigV4(good.parts), good.parts, await good.readBody());
    assert.ok(!(caller instanceof AwsError));
    assert.equal(caller.principal.arn, `arn:aws:iam::${ACCOUNT}:root`);

    const forged = await httpCall(p, { ...kmsCall('ListKeys', {}), secret: 'not-the-secret' });
    const refused = await authenticate(p.deps, parseSigV4(forged.parts), forged.parts, await forged.readBody());
    assert.ok(refused instanceof AwsError);
    assert.equal(refused.code, 'InvalidSignatureException');

    // The body is part of what is signed: a different body is a signature mismatch.
    const tampered = await authenticate(p.deps, parseSigV4(good.parts), good.parts, Buffer.from('{"Limit":1}'));
    assert.ok(tampered instanceof AwsError && tampered.code === 'InvalidSignatureException');

    const unknown = { ...good.parts, headers: { ...good.parts.headers, authorization: [good.parts.headers.authorization![0]!.replace(p.credentials.accessKeyId, 'AKIAUNKNOWNUNKNOWN00')] } };
    const nobody = await authenticate(p.deps, parseSigV4(unknown), unknown, await good.readBody());
    assert.ok(nobody instanceof AwsError && nobody.code === 'UnrecognizedClientException');
  });

  it('decodes KMS calls to values: the operation, the request as parsed, the validated input or the error', () => {
    const kms = p.routes.byService.get('kms')!;
    const ok = kms.decode('TrentService.Encrypt', Buffer.from('{"KeyId":"alias/a","Plaintext":"aGk="}'), emptyParts);
    assert.equal(ok.error, undefined);
    assert.equal(ok.operation, 'Encrypt');
    assert.deepEqual((ok.input as { Plaintext: Buffer }).Plaintext, Buffer.from('hi'));

    const unknown = kms.decode('TrentService.Nope', Buffer.from('{}'), emptyParts);
    assert.equal(unknown.error?.code, 'UnknownOperationException');
    assert.equal(unknown.operation, undefined);

    const malformed = kms.decode('TrentService.Encrypt', Buffer.from('{'), emptyParts);
    assert.equal(malformed.error?.code, 'SerializationException');
    assert.equal(malformed.operation, 'Encrypt');

    // Invalid members: the record still shows the request as sent.
    const invalid = kms.decode('TrentService.Encrypt', Buffer.from('{"Plaintext":"aGk="}'), emptyParts);
    assert.equal(invalid.error?.code, 'ValidationException');
    assert.deepEqual(invalid.request, { Plaintext: 'aGk=' });
  });

  it('decodes IAM and STS forms: MissingAction, InvalidAction for another version, the members otherwise', () => {
    const iam = p.routes.byService.get('iam')!;
    const form = (s: string) => Buffer.from(s);
    assert.equal(iam.decode(undefined, form('Version=2010-05-08'), emptyParts).error?.code, 'MissingAction');
    const wrong = iam.decode(undefined, form('Action=GetUser&Version=2011-06-15'), emptyParts);
    assert.equal(wrong.error?.code, 'InvalidAction');
    assert.equal(wrong.error?.message, 'Could not find operation GetUser for version 2011-06-15');
    const ok = iam.decode(undefined, form('Action=CreateUser&Version=2010-05-08&UserName=bob'), emptyParts);
    assert.equal(ok.operation, 'CreateUser');
    assert.equal((ok.request as Map<string, string>).get('UserName'), 'bob');
    // STS's row does not serve IAM's actions.
    assert.equal(p.routes.byService.get('sts')!.decode(undefined, form('Action=CreateUser&Version=2011-06-15'), emptyParts).error?.code, 'InvalidAction');
    // A presigned GET carries its form in the query string.
    const presigned = { ...emptyParts, method: 'GET', rawQuery: 'Action=GetCallerIdentity&Version=2011-06-15' };
    assert.equal(p.routes.byService.get('sts')!.decode(undefined, Buffer.alloc(0), presigned).operation, 'GetCallerIdentity');
  });

  it('decodes CloudTrail and LocksmithService targets, and names the operation of an unauthenticated call', () => {
    const trail = p.routes.byService.get('cloudtrail')!;
    assert.equal(trail.decode('CloudTrail_20131101.LookupEvents', Buffer.from('{}'), emptyParts).operation, 'LookupEvents');
    assert.equal(trail.decode('CloudTrail_20131101.CreateTrail', Buffer.from('{}'), emptyParts).error?.code, 'UnknownOperationException');
    const locksmith = p.routes.byService.get('locksmith')!;
    assert.equal(locksmith.decode('LocksmithService.GetDevClock', Buffer.from('{}'), emptyParts).operation, 'GetDevClock');
    assert.equal(locksmith.decode('LocksmithService.GetDevClock', Buffer.alloc(0), emptyParts).error?.code, 'SerializationException');
    assert.equal(p.routes.byService.get('kms')!.operationNamed('TrentService.Decrypt', Buffer.alloc(0), emptyParts), 'Decrypt');
    assert.equal(p.routes.byService.get('kms')!.operationNamed('TrentService.Nope', Buffer.alloc(0), emptyParts), undefined);
    assert.equal(p.routes.byService.get('sts')!.operationNamed(undefined, Buffer.from('Action=AssumeRole'), emptyParts), 'AssumeRole');
  });

  it('encodes outputs and errors in each row\'s protocol', () => {
    const kms = p.routes.byService.get('kms')!.encode('GenerateRandom', { Plaintext: Buffer.from([1, 2, 3]) }, 'rid');
    assert.deepEqual({ status: kms.status, type: kms.headers['content-type'], body: JSON.parse(kms.body) }, { status: 200, type: 'application/x-amz-json-1.1', body: { Plaintext: 'AQID' } });
    const sts = p.routes.byService.get('sts')!.encode('GetCallerIdentity', { Account: ACCOUNT }, 'rid');
    assert.match(sts.body, /<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><GetCallerIdentityResult><Account>111122223333<\/Account><\/GetCallerIdentityResult><ResponseMetadata><RequestId>rid<\/RequestId><\/ResponseMetadata>/);
    const denied = new AwsError('AccessDeniedException', 'no', 400);
    assert.deepEqual(JSON.parse(p.routes.byService.get('kms')!.error(denied, 'rid').body), { __type: 'AccessDeniedException', message: 'no' });
    assert.match(p.routes.byService.get('iam')!.error(denied, 'rid').body, /<Code>AccessDenied<\/Code>/);
  });
});

const emptyParts = { method: 'POST', rawPath: '/', rawQuery: '', headers: {} };

/** An unsigned request. */
function httpCallSync(r: { method: string; path: string; headers?: Record<string, string> }) {
  const distinct = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, [v]]));
  return { parts: { method: r.method, rawPath: r.path, rawQuery: '', headers: distinct }, incoming: { headers: r.headers ?? {} } as never };
}
