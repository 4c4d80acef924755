/**
 * The audit chain's canonical JSON (src/audit/canonical-json.ts): known answers, and the same text
 * as a plain member-by-member reference for random values (the native JSON.stringify path must
 * never write anything else).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/audit/canonical-json.js';
import type { CloudTrailRecord } from '../../src/audit/record.js';
import { toStoredEvent } from '../../src/audit/record-index.js';
import { Prng } from '../reliability/lib/prng.js';

/** RFC 8785's form written the slow, obvious way: sort every object's members, recurse. */
function reference(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('non-finite');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return '[' + Array.from({ length: v.length }, (_, i) => (i in v ? reference(v[i]) : '')).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => JSON.stringify(k) + ':' + reference(o[k])).join(',') + '}';
}

const NAMES = ['a', 'b', 'B', 'aa', 'Z', '_', 'é', '\u{1F600}', '\ud800', '10', '9', '0', '01', '__proto__', 'eventTime', 'userIdentity', ''];
const STRINGS = ['', 'x', 'é', '"quoted"', 'back\\slash', 'line\nbreak', '\u0000', '\u001f', '\ud800', '\udc00x', '\u{1F600}', 'arn:aws:kms:us-east-1:111122223333:key/k'];

function randomValue(r: Prng, depth: number): unknown {
  const kind = r.int(0, depth > 3 ? 5 : 8);
  switch (kind) {
    case 0: return r.pick(STRINGS);
    case 1: return r.pick([0, -0, 1, -1.5, 1e21, 1e-7, 2 ** 53, 123456789.125, Number.MIN_VALUE]);
    case 2: return r.int(0, 1) === 1;
    case 3: return null;
    case 4: return undefined;
    case 5: return r.pick(STRINGS) + r.int(0, 99);
    case 6: {
      const a: unknown[] = [];
      for (let i = r.int(0, 4); i > 0; i--) a.push(randomValue(r, depth + 1));
      return a;
    }
    default: {
      const o: Record<string, unknown> = {};
      const names = r.int(0, 1) === 1 ? [...NAMES].sort() : NAMES; // often already in order: the native path
      for (const k of names) {
        if (r.int(0, 2) !== 0) continue;
        if (k === '__proto__') Object.defineProperty(o, k, { value: randomValue(r, depth + 1), enumerable: true, writable: true, configurable: true });
        else o[k] = randomValue(r, depth + 1);
      }
      return o;
    }
  }
}

describe('canonical JSON', () => {
  it('known answers', () => {
    const cases: [unknown, string][] = [
      [{ b: [1, { d: true, c: null }], a: 'é', u: undefined }, '{"a":"é","b":[1,{"c":null,"d":true}]}'],
      [{ a: 1, b: { d: 2, c: 3 } }, '{"a":1,"b":{"c":3,"d":2}}'], // in order outside, out of order inside
      [{ '9': 'x', '10': 'y', a: 'z' }, '{"10":"y","9":"x","a":"z"}'], // integer-like names: Object.keys puts 9 first
      [{ a: -0, b: 1e21, c: 1e-7 }, '{"a":0,"b":1e+21,"c":1e-7}'],
      [{ s: '\ud800', t: '\u0000"' }, '{"s":"\\ud800","t":"\\u0000\\""}'],
      [[1, undefined, null], '[1,null,null]'],
      [{ when: new Date(0) }, '{"when":{}}'], // not JSON.stringify's toJSON string
      [Object.assign(Object.create(null) as object, { b: 1, a: 2 }), '{"a":2,"b":1}'],
      [undefined, 'null'],
    ];
    for (const [value, want] of cases) assert.equal(canonicalJson(value), want);
    const holey: unknown[] = [1];
    holey[2] = 3;
    assert.equal(canonicalJson(holey), '[1,,3]');
    assert.throws(() => canonicalJson({ a: Infinity }), /non-finite/);
    assert.throws(() => canonicalJson({ b: 1, a: [NaN] }), /non-finite/);
  });

  it('random values: the same text as the member-by-member reference', () => {
    const r = new Prng(20261207);
    let native = 0;
    for (let i = 0; i < 20_000; i++) {
      const v = randomValue(r, 0);
      const want = reference(v);
      assert.equal(canonicalJson(v), want);
      if (JSON.stringify(v) === want) native++;
    }
    assert.ok(native > 5_000, `values JSON.stringify writes canonically: ${native}`); // both paths were exercised
  });

  it('a stored record is the canonical JSON of every member it was given (none swapped or left out)', () => {
    const record: CloudTrailRecord = {
      eventVersion: 'v', eventTime: '2026-12-07T00:00:00Z', eventSource: 'kms.amazonaws.com', eventName: 'Encrypt', awsRegion: 'us-east-1',
      sourceIPAddress: '192.0.2.1', userAgent: 'ua', errorCode: 'AccessDeniedException', errorMessage: 'm', requestParameters: { b: 1, a: 2 },
      responseElements: { r: 'x' }, additionalEventData: { keyMaterialId: 'km' }, serviceEventDetails: { d: 1 }, requestID: 'req', eventID: 'ev',
      readOnly: true, resources: [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: 'arn:k' }], eventType: 'AwsApiCall', managementEvent: true,
      recipientAccountId: '111122223333', sharedEventID: 'shared', eventCategory: 'Management',
      userIdentity: {
        type: 'AssumedRole', principalId: 'AROA:s', arn: 'arn:aws:sts::111122223333:assumed-role/r/s', accountId: '111122223333', accessKeyId: 'ASIA',
        userName: 'u', invokedBy: 'svc', sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROA', arn: 'arn:r', accountId: '111122223333', userName: 'r' }, attributes: { creationDate: 'd', mfaAuthenticated: 'false' } },
      },
    };
    assert.equal(toStoredEvent(record, new Date(0)).record, reference(record));
    assert.equal(Object.keys(JSON.parse(reference(record)) as object).length, 23); // every member of the type is set above
  });
});
