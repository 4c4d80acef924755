/** Whole calls through the pipeline without a socket: answered only once recorded (server/pipeline.ts serveCall). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serveCall } from '../../src/server/pipeline.js';
import { ACCOUNT, httpCall, kmsCall, testPipeline, type TestPipeline } from './pipeline-helpers.js';

describe('request pipeline, whole calls (no socket)', () => {
  let p: TestPipeline;
  before(async () => {
    p = await testPipeline();
  });
  after(() => p.close());
  const call = async (r: Parameters<typeof httpCall>[1]) => serveCall(p.deps, p.routes, await httpCall(p, r));
  const fresh = () => p.deps.recorded.splice(0);

  it('CreateKey then Encrypt: answered in awsJson, each recorded (CreateKey settling the intent written before it ran)', async () => {
    fresh();
    const created = await call(kmsCall('CreateKey', {}));
    assert.equal(created.response.status, 200, created.response.body);
    const keyId = JSON.parse(created.response.body).KeyMetadata.KeyId as string;
    const [intent, record] = fresh();
    assert.equal(intent?.intentOf, created.trace.requestId);
    assert.equal(record?.eventName, 'CreateKey');
    assert.equal(record?.settles, created.trace.requestId);

    const encrypted = await call(kmsCall('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('secret').toString('base64') }));
    assert.equal(encrypted.response.status, 200, encrypted.response.body);
    assert.equal(encrypted.response.headers['content-type'], 'application/x-amz-json-1.1');
    assert.match(JSON.parse(encrypted.response.body).KeyId, new RegExp(`^arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}$`));
    assert.deepEqual(fresh().map((e) => e.eventName), ['Encrypt']);
    assert.equal(encrypted.trace.operation, 'Encrypt');
    assert.equal(encrypted.trace.principal?.arn, `arn:aws:iam::${ACCOUNT}:root`);
    assert.ok(encrypted.trace.authorizedKeys?.has(JSON.parse(encrypted.response.body).KeyId));
    assert.ok(!JSON.stringify(encrypted.trace.request).includes('secret'), 'the trace holds the decoded input, never the plaintext as text');
  });

  it('a call whose record cannot be written is answered with an internal error, its records logged', async () => {
    p.deps.failAudit = true;
    try {
      const r = await call(kmsCall('ListKeys', {}));
      assert.equal(r.response.status, 500);
      assert.equal(JSON.parse(r.response.body).__type, 'KMSInternalException');
      assert.equal(r.trace.error?.code, 'KMSInternalException');
      assert.match(p.deps.logged.at(-1)!, /audit trail write failed \(disk full\); request .* answered with an internal error/);
      // awsQuery answers it in its own terms (IAM: ServiceFailure).
      const iam = await call({ service: 'iam', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListUsers&Version=2010-05-08' });
      assert.equal(iam.response.status, 500);
      assert.match(iam.response.body, /<Code>ServiceFailure<\/Code>/);
    } finally {
      p.deps.failAudit = false;
    }
  });

  it('a bad signature is refused and recorded under the key\'s owner, with the operation it named but no members', async () => {
    fresh();
    const marked = () => p.deps.logged.filter((l) => l === 'authenticated kms').length;
    const marksBefore = marked();
    const r = await call({ ...kmsCall('DescribeKey', { KeyId: 'alias/x' }), secret: 'wrong' });
    assert.equal(r.response.status, 400);
    assert.equal(JSON.parse(r.response.body).__type, 'InvalidSignatureException');
    assert.equal(r.trace.unauthenticated, true);
    assert.equal(r.trace.operation, 'DescribeKey');
    assert.equal(r.trace.request, undefined);
    assert.deepEqual(fresh().map((e) => e.eventName), ['DescribeKey']);
    assert.equal(marked(), marksBefore, 'a failed call does not mark its connection authenticated');
    await call(kmsCall('ListKeys', {}));
    assert.equal(marked(), marksBefore + 1);
  });

  it('IAM and STS calls run through the same steps and answer in XML', async () => {
    const form = (body: string) => ({ service: body.includes('2011') ? 'sts' : 'iam', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const user = await call(form('Action=CreateUser&Version=2010-05-08&UserName=pipeline'));
    assert.equal(user.response.status, 200, user.response.body);
    assert.match(user.response.body, /<UserName>pipeline<\/UserName>/);
    const who = await call(form('Action=GetCallerIdentity&Version=2011-06-15'));
    assert.match(who.response.body, new RegExp(`<Account>${ACCOUNT}</Account>`));
    const nope = await call(form('Action=Nope&Version=2010-05-08'));
    assert.equal(nope.response.status, 400);
    assert.match(nope.response.body, /<Code>InvalidAction<\/Code>/);
    assert.equal(nope.trace.error?.code, 'InvalidAction');
  });

  it('an unsigned call and a call to an unserved service are answered in the protocol they used', async () => {
    const unsigned = await call({ ...kmsCall('ListKeys', {}), unsigned: true });
    assert.equal(unsigned.response.status, 400);
    assert.equal(JSON.parse(unsigned.response.body).__type, 'MissingAuthenticationTokenException');
    const sqs = await call({ service: 'sqs', headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
    assert.equal(sqs.response.status, 400);
    assert.equal(sqs.response.headers['content-type'], 'application/x-amz-json-1.0');
    assert.equal(JSON.parse(sqs.response.body).__type, 'UnknownOperationException');
    assert.match(JSON.parse(sqs.response.body).message, /does not serve the 'sqs' service/);
  });
});
