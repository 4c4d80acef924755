import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WipingCache } from '../../src/crypto/wiping-cache.js';

describe('wiping cache', () => {
  it('drops the oldest entry past its bound and overwrites it with zeros', () => {
    const cache = new WipingCache(2);
    const [a, b, c] = ['a', 'b', 'c'].map((s) => Buffer.from(`secret ${s}`));
    cache.add('a', a!);
    cache.add('b', b!);
    cache.promote('a', a!); // b is now the oldest
    cache.add('c', c!);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.ok(b!.every((byte) => byte === 0), 'the evicted secret is wiped');
    assert.equal(cache.get('a')?.toString(), 'secret a');
    assert.equal(cache.get('c')?.toString(), 'secret c');
  });

  it('clear() wipes every entry it held', () => {
    const cache = new WipingCache(10);
    const held = [Buffer.from('one'), Buffer.from('two')];
    held.forEach((v, i) => cache.add(String(i), v));
    cache.clear();
    assert.equal(cache.size, 0);
    for (const v of held) assert.ok(v.every((byte) => byte === 0));
  });
});
