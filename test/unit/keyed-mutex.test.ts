import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedMutex } from '../../src/util/keyed-mutex.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyedMutex', () => {
  it('runs tasks of one key one at a time, in arrival order, and tasks of other keys alongside', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([mutex.run('k', task('a1')), mutex.run('k', task('a2')), mutex.run('other', task('b'))]);
    assert.deepEqual(results, ['a1', 'a2', 'b']);
    assert.ok(log.indexOf('end a1') < log.indexOf('start a2'), log.join(', '));
    assert.ok(log.indexOf('start b') < log.indexOf('end a1'), log.join(', '));
  });

  it('a failing task rejects its own call only; the next one still runs', async () => {
    const mutex = new KeyedMutex();
    const failed = mutex.run('k', async () => {
      throw new Error('boom');
    });
    const next = mutex.run('k', async () => 'ran');
    await assert.rejects(failed, /boom/);
    assert.equal(await next, 'ran');
  });
});
