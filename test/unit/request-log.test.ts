/** The request log's pieces that need no server (src/server/request-log.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoTimeByMillisecond, requestLogger } from '../../src/server/request-log.js';

describe('request log', () => {
  it('formats the time as pino isoTime does, once per millisecond of the clock', () => {
    let now = Date.UTC(2026, 11, 7, 9, 30, 0, 123);
    const time = isoTimeByMillisecond(() => now);
    const first = time();
    assert.equal(first, ',"time":"2026-12-07T09:30:00.123Z"');
    assert.equal(time(), first);
    now += 1;
    assert.equal(time(), ',"time":"2026-12-07T09:30:00.124Z"');
    now -= 1000; // a clock stepped back is followed, not held
    assert.equal(time(), ',"time":"2026-12-07T09:29:59.124Z"');
  });

  it('writes one JSON line per call with the time, the worker and the fields given', () => {
    const lines: string[] = [];
    const log = requestLogger((l) => lines.push(l), 3)!;
    const before = Date.now();
    log.info({ requestId: 'r-1', operation: 'Encrypt' }, 'request');
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry.msg, 'request');
    assert.equal(entry.worker, 3);
    assert.equal(entry.requestId, 'r-1');
    const t = Date.parse(String(entry.time));
    assert.ok(t >= before - 1 && t <= Date.now() + 1, `time ${String(entry.time)}`);
  });
});
