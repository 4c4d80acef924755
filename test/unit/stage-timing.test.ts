/** The opt-in stage timer (src/server/stage-timing.ts): laps, nested stages, the switch. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StageTiming, stageTimingFromEnv } from '../../src/server/stage-timing.js';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

it('adds the CPU and wall time since the previous lap to each stage', () => {
  const timing = new StageTiming();
  for (let i = 0; i < 3; i++) {
    const t = timing.start();
    busy(2);
    timing.lap(t, 'sigv4');
    timing.lap(t, 'encode');
  }
  const rows = new Map(timing.rows().map((r) => [r.stage, r]));
  assert.equal(rows.get('sigv4')!.laps, 3);
  assert.ok(rows.get('sigv4')!.wallUs >= 6000, 'three busy 2 ms stretches');
  assert.ok(rows.get('sigv4')!.cpuUs > 0, 'a busy loop burns CPU');
  assert.equal(rows.get('encode')!.laps, 3);
  assert.equal(rows.get('operation')!.laps, 0);
  assert.ok(rows.get('sigv4')!.p50WallUs >= 2048, 'a 2 ms lap is in the (1024, 2048] bucket or above');
  assert.match(timing.format(), /sigv4 +3 laps/);
});

it('takes a measured inner stage out of the enclosing lap', async () => {
  const timing = new StageTiming();
  const t = timing.start();
  await timing.measure('authorize', async () => busy(5));
  busy(1);
  timing.lap(t, 'operation');
  const rows = new Map(timing.rows().map((r) => [r.stage, r]));
  assert.ok(rows.get('authorize')!.wallUs >= 5000);
  const op = rows.get('operation')!.wallUs;
  assert.ok(op >= 1000, `operation ${op} µs`);
  assert.ok(op < rows.get('authorize')!.wallUs, `operation ${op} µs excludes authorize`);
});

it('is on only with LOCKSMITH_STAGE_TIMING=1', () => {
  assert.equal(stageTimingFromEnv({}), undefined);
  assert.equal(stageTimingFromEnv({ LOCKSMITH_STAGE_TIMING: '0' }), undefined);
  assert.ok(stageTimingFromEnv({ LOCKSMITH_STAGE_TIMING: '1' }) instanceof StageTiming);
});
