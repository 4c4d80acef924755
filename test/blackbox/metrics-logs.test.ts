import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness, iamClient, s3Client, stsClient } from './harness.js';

/** /metrics from the metrics listener (`--metrics-port`); the API port does not serve it. */
async function metricsText(h: Harness): Promise<string> {
  const res = await fetch(`${h.server.metricsEndpoint}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return res.text();
}

/** The value of one series (exact label set, in prom-client's label order), 0 when absent. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('metrics and request logs', () => {
  const lines: string[] = [];
  let h: Harness;
  before(async () => {
    h = await Harness.start({ requestLog: (line) => lines.push(line), metricsPort: 0 });
  });
  after(() => h.stop());

  it('serves Prometheus series for requests, latency, the audit queue, store errors and key usage', async () => {
    const before = await metricsText(h);
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const enc = await h.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('m') }));
    await h.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('m') }));
    await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    await awsError(() => h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })));
    const text = await metricsText(h);

    const enc2 = 'locksmith_requests_total{service="kms",operation="Encrypt",outcome="success"}';
    assert.equal(value(text, enc2) - value(before, enc2), 2);
    assert.equal(value(text, 'locksmith_requests_total{service="kms",operation="DescribeKey",outcome="NotFoundException"}'), 1);
    assert.equal(value(text, 'locksmith_request_duration_seconds_count{service="kms",operation="Decrypt"}'), 1);
    assert.match(text, /locksmith_request_duration_seconds_bucket\{le="0.005",service="kms",operation="Encrypt"\} \d+/);
    assert.match(text, /^locksmith_audit_queue_depth \d+$/m);
    assert.ok(value(text, 'locksmith_audit_commit_duration_seconds_count') > value(before, 'locksmith_audit_commit_duration_seconds_count'));
    assert.match(text, /# TYPE locksmith_store_errors_total counter/);
    assert.equal(value(text, `locksmith_key_usage_total{key="${key.Arn}",operation="Encrypt"}`), 2);
    assert.equal(value(text, `locksmith_key_usage_total{key="${key.Arn}",operation="Decrypt"}`), 1);
    // The process-wide default registry is not used: no default Node.js metrics leak in.
    assert.doesNotMatch(text, /process_cpu_user_seconds_total/);
  });

  it('counts the KMS calls S3 makes for SSE-KMS as usage of their key, as direct calls are', async () => {
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    const s3 = s3Client(h);
    await s3.send(new CreateBucketCommand({ Bucket: 'metered' }));
    await s3.send(new PutObjectCommand({ Bucket: 'metered', Key: 'a', Body: 'object', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'metered', Key: 'a' }))).Body!.transformToString(), 'object');
    const text = await metricsText(h);
    assert.equal(value(text, `locksmith_key_usage_total{key="${key.Arn}",operation="GenerateDataKey"}`), 1);
    assert.equal(value(text, `locksmith_key_usage_total{key="${key.Arn}",operation="Decrypt"}`), 1);
    // The S3 requests themselves are S3's, not KMS calls.
    assert.equal(value(text, 'locksmith_requests_total{service="kms",operation="GenerateDataKey",outcome="success"}'), 0);
  });

  it('writes one JSON line per request with its id, principal, service, operation, outcome and latency', async () => {
    lines.length = 0;
    await h.kms.send(new CreateKeyCommand({}));
    await awsError(() => h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })));
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const ok = entries.find((e) => e.operation === 'CreateKey')!;
    assert.ok(ok, 'CreateKey logged');
    assert.equal(ok.service, 'kms');
    assert.equal(ok.outcome, 'success');
    assert.equal(ok.principal, `arn:aws:iam::${h.server.account}:root`);
    assert.match(String(ok.requestId), /^[0-9a-f-]{36}$/);
    assert.equal(typeof ok.latencyMs, 'number');
    assert.equal(typeof ok.time, 'string');
    const failed = entries.find((e) => e.operation === 'DescribeKey')!;
    assert.equal(failed.outcome, 'NotFoundException');
  });

  it('never logs or exports plaintexts, data keys, secret access keys or session tokens', async () => {
    lines.length = 0;
    const secrets: { what: string; value: Buffer }[] = [{ what: 'root secret access key', value: Buffer.from(h.credentials.secretAccessKey) }];
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const plaintext = Buffer.from(`plaintext-${randomBytes(12).toString('hex')}`);
    secrets.push({ what: 'plaintext', value: plaintext });
    const enc = await h.kms.send(new EncryptCommand({ KeyId: key, Plaintext: plaintext }));
    secrets.push({ what: 'ciphertext', value: Buffer.from(enc.CiphertextBlob!) });
    const dk = await h.kms.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256' }));
    secrets.push({ what: 'data key', value: Buffer.from(dk.Plaintext!) });
    // A failing call still carries its plaintext in the request.
    const failing = Buffer.from(`plaintext-${randomBytes(12).toString('hex')}`);
    secrets.push({ what: 'failed plaintext', value: failing });
    await awsError(() => h.kms.send(new EncryptCommand({ KeyId: 'alias/missing', Plaintext: failing })));
    await iamClient(h).send(new CreateUserCommand({ UserName: 'metrics-user' }));
    const ak = (await iamClient(h).send(new CreateAccessKeyCommand({ UserName: 'metrics-user' }))).AccessKey!;
    secrets.push({ what: 'user secret access key', value: Buffer.from(ak.SecretAccessKey!) });
    const session = (await stsClient(h).send(new GetSessionTokenCommand({}))).Credentials!;
    secrets.push({ what: 'session secret', value: Buffer.from(session.SecretAccessKey!) }, { what: 'session token', value: Buffer.from(session.SessionToken!) });

    const haystacks = [{ where: 'request log', text: lines.join('\n') }, { where: '/metrics', text: await metricsText(h) }];
    assert.ok(lines.length >= 7);
    const found: string[] = [];
    for (const { where, text } of haystacks) {
      for (const { what, value } of secrets) {
        for (const form of [value.toString('utf8'), value.toString('base64'), value.toString('hex')]) {
          if (text.includes(form)) found.push(`${what} in ${where}`);
        }
      }
    }
    assert.deepEqual(found, []);
  });

  it('/ready requires the store and the root key', async () => {
    const res = await fetch(`${h.endpoint}/ready`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });
});
