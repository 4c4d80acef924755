import { ListKeysCommand } from '@aws-sdk/client-kms';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness, REGION, send, signRequest } from './harness.js';

const JSON_HEADERS = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' };

describe('wire protocol and SigV4 authentication', () => {
  let h: Harness;
  before(async () => (h = await Harness.start()));
  after(() => h.stop());

  const signed = (over: { body?: string; headers?: Record<string, string>; credentials?: { accessKeyId: string; secretAccessKey: string }; region?: string; service?: string; date?: Date } = {}) =>
    signRequest(h.endpoint, {
      headers: over.headers ?? JSON_HEADERS,
      body: over.body ?? '{}',
      credentials: over.credentials ?? h.credentials,
      region: over.region ?? REGION,
      service: over.service ?? 'kms',
      signingDate: over.date ?? h.clock.now(),
    });

  it('a correctly signed request succeeds, with a request id and the JSON 1.1 content type', async () => {
    const r = await send(h.endpoint, await signed());
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json.Keys));
    assert.match(String(r.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
    assert.equal(r.headers['content-type'], 'application/x-amz-json-1.1');
  });

  it('unsigned request → MissingAuthenticationTokenException', async () => {
    const r = await send(h.endpoint, { headers: JSON_HEADERS, body: '{}' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  });

  it('wrong secret → InvalidSignatureException; unknown access key → UnrecognizedClientException', async () => {
    const wrong = await awsError(() => h.client({ accessKeyId: h.credentials.accessKeyId, secretAccessKey: 'not-the-secret' }).send(new ListKeysCommand({})));
    assert.equal(wrong.name, 'InvalidSignatureException');
    assert.equal(wrong.status, 400);
    assert.match(wrong.message, /^The request signature we calculated does not match the signature you provided/);
    assert.ok(!wrong.message.includes(h.credentials.secretAccessKey));
    const unknown = await awsError(() => h.client({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' }).send(new ListKeysCommand({})));
    assert.equal(unknown.name, 'UnrecognizedClientException');
    assert.equal(unknown.message, 'The security token included in the request is invalid.');
  });

  it('KMS allows 5 minutes either way (AWS KMS: "Signature expired: … (… - 5 min.)"); STS 15', async () => {
    const now = Math.floor(h.clock.now().getTime() / 1000) * 1000;
    const amz = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const oldDate = now - 6 * 60_000;
    const old = await send(h.endpoint, await signed({ date: new Date(oldDate) }));
    assert.deepEqual([old.status, old.json.__type, old.json.message], [
      400,
      'InvalidSignatureException',
      `Signature expired: ${amz(oldDate)} is now earlier than ${amz(now - 5 * 60_000)} (${amz(now)} - 5 min.)`,
    ]);
    const futureDate = now + 6 * 60_000;
    const future = await send(h.endpoint, await signed({ date: new Date(futureDate) }));
    assert.deepEqual([future.json.__type, future.json.message], [
      'InvalidSignatureException',
      `Signature not yet current: ${amz(futureDate)} is still later than ${amz(now + 5 * 60_000)} (${amz(now)} + 5 min.)`,
    ]);
    const edge = await send(h.endpoint, await signed({ date: new Date(now - 4 * 60_000) }));
    assert.equal(edge.status, 200);
    // STS, on the same listener and clock: the same 6-minute-old signature is inside its 15 minutes.
    const query = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15', service: 'sts' };
    const sts = await send(h.endpoint, await signed({ ...query, date: new Date(oldDate) }));
    assert.equal(sts.status, 200, sts.text);
    const stsOld = await send(h.endpoint, await signed({ ...query, date: new Date(now - 16 * 60_000) }));
    assert.equal(stsOld.status, 403, stsOld.text);
    assert.match(stsOld.text, / - 15 min\.\)/);
  });

  it('a tampered body fails the payload hash', async () => {
    const r = await signed({ body: '{"Limit":1}' });
    const tampered = await send(h.endpoint, { ...r, body: '{"Limit":2}' });
    assert.equal(tampered.json.__type, 'InvalidSignatureException');
  });

  it('presigned (query) form is accepted and checked', async () => {
    const url = new URL(h.endpoint);
    const signer = new SignatureV4({ credentials: h.credentials, region: REGION, service: 'kms', sha256: Sha256 });
    const req = new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { ...JSON_HEADERS, host: url.host }, body: '{}' });
    const presigned = await signer.presign(req, { signingDate: h.clock.now(), expiresIn: 300 });
    const ok = await send(h.endpoint, { headers: presigned.headers, query: presigned.query as Record<string, string>, body: '{}' });
    assert.equal(ok.status, 200, ok.text);
    h.advance(301_000);
    const expired = await send(h.endpoint, { headers: presigned.headers, query: presigned.query as Record<string, string>, body: '{}' });
    assert.equal(expired.json.__type, 'InvalidSignatureException');
    const forged = { ...(presigned.query as Record<string, string>), 'X-Amz-Signature': '0'.repeat(64) };
    const bad = await send(h.endpoint, { headers: presigned.headers, query: forged, body: '{}' });
    assert.equal(bad.json.__type, 'InvalidSignatureException');
  });

  it('a presigned GET GetCallerIdentity (the EKS/Vault login pattern) names the caller', async () => {
    const url = new URL(h.endpoint);
    const signer = new SignatureV4({ credentials: h.credentials, region: REGION, service: 'sts', sha256: Sha256 });
    const req = new HttpRequest({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: url.host } });
    const presigned = await signer.presign(req, { signingDate: h.clock.now(), expiresIn: 60 });
    const r = await send(h.endpoint, { method: 'GET', headers: presigned.headers, query: presigned.query as Record<string, string>, body: '' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /<Arn>arn:aws:iam::000000000000:root<\/Arn>/);
  });

  it('malformed JSON → SerializationException; unknown target → UnknownOperationException', async () => {
    const bad = await send(h.endpoint, await signed({ body: '{"Limit": ' }));
    assert.equal(bad.status, 400);
    assert.equal(bad.json.__type, 'SerializationException');
    const wrongType = await send(h.endpoint, await signed({ body: '{"Limit": "ten"}' }));
    assert.equal(wrongType.json.__type, 'SerializationException');
    const notObject = await send(h.endpoint, await signed({ body: '[1,2]' }));
    assert.equal(notObject.json.__type, 'SerializationException');
    const unknown = await send(h.endpoint, await signed({ headers: { ...JSON_HEADERS, 'x-amz-target': 'TrentService.MakeCoffee' } }));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.__type, 'UnknownOperationException');
    const noTarget = await send(h.endpoint, await signed({ headers: { 'content-type': 'application/x-amz-json-1.1' } }));
    assert.equal(noTarget.json.__type, 'UnknownOperationException');
  });

  it('an invalid region in the credential scope is refused', async () => {
    const r = await send(h.endpoint, await signed({ region: 'not_a_region' }));
    assert.equal(r.json.__type, 'InvalidSignatureException');
    assert.equal(r.json.message, "Credential should be scoped to a valid region, not 'not_a_region'. ");
  });

  it('a body over 1 MiB is refused with 413 before it is read', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const r = await send(h.endpoint, await signed({ body: big }));
    assert.equal(r.status, 413);
    assert.equal(r.json.__type, 'RequestEntityTooLargeException');
    // Declare 100 MiB but send only a few bytes: the answer must come without the body.
    const s = await signed();
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(h.endpoint);
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { ...s.headers, 'content-length': String(100 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
      req.write('{}');
    });
    assert.equal(status, 413);
  });

  it('health and readiness endpoints answer without authentication', async () => {
    const health = await send(h.endpoint, { method: 'GET', path: '/health', headers: {}, body: '' });
    assert.equal(health.status, 200);
    const ready = await send(h.endpoint, { method: 'GET', path: '/ready', headers: {}, body: '' });
    assert.equal(ready.status, 200);
  });
});
