/** LocksmithMetrics (src/server/metrics.ts): what /metrics shows for the requests counted, and the bounds on its labels. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocksmithMetrics } from '../../src/server/metrics.js';

/** The value of one series (exact label set, in prom-client's label order), undefined when absent. */
const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('LocksmithMetrics', () => {
  it('counts requests per service, operation and outcome, and observes their latency', async () => {
    const m = new LocksmithMetrics();
    m.request('kms', 'Encrypt', 'success', 0.002);
    m.request('kms', 'Encrypt', 'success', 0.02);
    m.request('kms', 'Encrypt', 'AccessDeniedException', 0.001);
    m.request('iam', 'CreateUser', 'success', 0.003);
    const first = (await m.text()).body;
    assert.equal(value(first, 'locksmith_requests_total{service="kms",operation="Encrypt",outcome="success"}'), 2);
    assert.equal(value(first, 'locksmith_requests_total{service="kms",operation="Encrypt",outcome="AccessDeniedException"}'), 1);
    assert.equal(value(first, 'locksmith_requests_total{service="iam",operation="CreateUser",outcome="success"}'), 1);
    assert.equal(value(first, 'locksmith_request_duration_seconds_count{service="kms",operation="Encrypt"}'), 3);
    assert.equal(value(first, 'locksmith_request_duration_seconds_bucket{le="0.005",service="kms",operation="Encrypt"}'), 2);
    // A second scrape shows the totals so far, not what was added since the first.
    m.request('kms', 'Encrypt', 'success', 0.002);
    const second = (await m.text()).body;
    assert.equal(value(second, 'locksmith_requests_total{service="kms",operation="Encrypt",outcome="success"}'), 3);
    assert.equal(value(second, 'locksmith_requests_total{service="iam",operation="CreateUser",outcome="success"}'), 1);
  });

  it('keeps every label bounded: unknown services, odd names and outcomes, operations past the limit', async () => {
    const m = new LocksmithMetrics();
    m.request('ec2', 'RunInstances', 'success', 0.001);
    m.request('kms', 'not an "operation"', 'success', 0.001);
    m.request('kms', 'Encrypt', 'bad outcome!', 0.001);
    m.request(undefined, undefined, 'success', 0.001);
    for (let i = 0; i < 520; i++) m.request('kms', `Op${i}`, 'success', 0.001);
    const text = (await m.text()).body;
    assert.equal(value(text, 'locksmith_requests_total{service="unknown",operation="RunInstances",outcome="success"}'), 1);
    assert.equal(value(text, 'locksmith_requests_total{service="kms",operation="unknown",outcome="success"}'), 1);
    assert.equal(value(text, 'locksmith_requests_total{service="kms",operation="Encrypt",outcome="unknown"}'), 1);
    assert.equal(value(text, 'locksmith_requests_total{service="unknown",operation="unknown",outcome="success"}'), 1);
    const series = text.split('\n').filter((l) => l.startsWith('locksmith_requests_total{'));
    assert.ok(series.length <= 501, `${series.length} series`);
    assert.ok((value(text, 'locksmith_requests_total{service="kms",operation="other",outcome="success"}') ?? 0) > 0);
    const counted = series.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    assert.equal(counted, 524, 'no request is lost to the bounds');
  });

  it('counts key usage of successful KMS calls, the keys past the limit as "other"', async () => {
    const m = new LocksmithMetrics(2);
    const arn = (n: number) => `arn:aws:kms:us-east-1:111122223333:key/0000000${n}-0000-0000-0000-000000000000`;
    m.request('kms', 'Encrypt', 'success', 0.001, arn(1));
    m.request('kms', 'Encrypt', 'AccessDeniedException', 0.001, arn(1));
    m.keyUsed(arn(2), 'GenerateDataKey'); // S3 on its caller's behalf
    m.request('kms', 'Decrypt', 'success', 0.001, arn(3));
    m.request('kms', 'Decrypt', 'success', 0.001, arn(4));
    m.request('kms', 'Encrypt', 'success', 0.001, arn(1));
    const text = (await m.text()).body;
    assert.equal(value(text, `locksmith_key_usage_total{key="${arn(1)}",operation="Encrypt"}`), 2);
    assert.equal(value(text, `locksmith_key_usage_total{key="${arn(2)}",operation="GenerateDataKey"}`), 1);
    assert.equal(value(text, `locksmith_key_usage_total{key="other",operation="Decrypt"}`), 2);
    assert.equal(value(text, `locksmith_key_usage_total{key="${arn(3)}",operation="Decrypt"}`), undefined);
  });
});
