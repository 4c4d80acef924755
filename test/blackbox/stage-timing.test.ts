/**
 * LOCKSMITH_STAGE_TIMING=1 (read once at start) times each stage of the request path and shows
 * the totals on /metrics; without it there are no stage series.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { Harness } from './harness.js';

const stageValue = (text: string, metric: string, stage: string) => Number(new RegExp(`^${metric}\\{stage="${stage}"\\} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('stage timing', () => {
  let timed: Harness;
  let plain: Harness;
  before(async () => {
    process.env.LOCKSMITH_STAGE_TIMING = '1';
    try {
      timed = await Harness.start({ metricsPort: 0 });
    } finally {
      delete process.env.LOCKSMITH_STAGE_TIMING;
    }
    plain = await Harness.start({ metricsPort: 0 });
  });
  after(async () => {
    await Promise.all([timed?.stop(), plain?.stop()]);
  });

  it('counts every stage of each KMS call on /metrics', async () => {
    const key = await timed.kms.send(new CreateKeyCommand({}));
    const metrics = async () => (await fetch(`${timed.server.metricsEndpoint}/metrics`)).text();
    const before = await metrics();
    for (let i = 0; i < 5; i++) await timed.kms.send(new EncryptCommand({ KeyId: key.KeyMetadata!.KeyId!, Plaintext: Buffer.from('x') }));
    const text = await metrics();
    for (const stage of ['read body', 'sigv4', 'decode', 'audit prepare', 'authorize', 'operation', 'encode', 'audit record', 'audit wait', 'send']) {
      assert.equal(stageValue(text, 'locksmith_stage_laps', stage) - stageValue(before, 'locksmith_stage_laps', stage), 5, `${stage}: one lap per call`);
      assert.ok(stageValue(text, 'locksmith_stage_wall_seconds', stage) > stageValue(before, 'locksmith_stage_wall_seconds', stage), `${stage}: time added`);
    }
    assert.ok(stageValue(text, 'locksmith_stage_cpu_seconds', 'sigv4') > 0);
  });

  it('is off unless asked for', async () => {
    await plain.kms.send(new CreateKeyCommand({}));
    const text = await (await fetch(`${plain.server.metricsEndpoint}/metrics`)).text();
    assert.doesNotMatch(text, /locksmith_stage_/);
    assert.match(text, /locksmith_requests_total/);
  });
});
