/**
 * Record eventIDs are RFC 9562 version-7 UUIDs: the event time's milliseconds first (so the trail's
 * eventID index grows at its end), then bits from the server's CSPRNG.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventIdTime, newEventId } from '../../src/audit/record.js';
import { secureRandom, type Random } from '../../src/crypto/random.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('record eventIDs', () => {
  it('known answer: the time in the first 48 bits, version 7, the variant, then the random bytes', () => {
    const zeros = { bytes: (n: number) => Buffer.alloc(n), uuid: () => '' } as Random;
    assert.equal(newEventId(zeros, 0x0123456789ab), '01234567-89ab-7000-8000-000000000000');
    const ones = { bytes: (n: number) => Buffer.alloc(n, 0xff), uuid: () => '' } as Random;
    // (the uuid package derives rand_a from the random bytes 6–9 as it does for its own v7 counter)
    assert.equal(newEventId(ones, new Date(0x0123456789ab)), '01234567-89ab-781f-bfff-ffffffffffff');
  });

  it('are UUIDs ordered by event time, distinct within one millisecond', () => {
    const t = Date.UTC(2026, 11, 5, 12, 0, 0);
    const ids = [0, 1, 2, 1000, 86_400_000].map((d) => newEventId(secureRandom, t + d));
    for (const id of ids) assert.match(id, V7);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16), t);
    const same = new Set(Array.from({ length: 1000 }, () => newEventId(secureRandom, t)));
    assert.equal(same.size, 1000);
  });

  it('give their time back (eventIdTime); other ids carry none', () => {
    for (const d of [0, 1, 999, 86_400_000]) assert.equal(eventIdTime(newEventId(secureRandom, Date.UTC(2026, 11, 5) + d)), Date.UTC(2026, 11, 5) + d);
    assert.equal(eventIdTime('01234567-89ab-7000-8000-000000000000'), 0x0123456789ab);
    for (const other of ['01234567-89ab-4000-8000-000000000000', '01234567-89AB-7000-8000-000000000000', '01234567-89ab-7000-c000-000000000000', 'x01234567-89ab-7000-8000-000000000000', '']) {
      assert.equal(eventIdTime(other), undefined, other);
    }
  });
});
