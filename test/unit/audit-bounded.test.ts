/**
 * The record builders never throw on input (issue #11, finding 3): hostile shapes are bounded or
 * left out, and what they return always has a canonical form.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiCallTrace } from '../../src/audit/api-call.js';
import { canonicalJson } from '../../src/audit/canonical-json.js';
import { buildCallEvents } from '../../src/audit/event-builder.js';
import { jsonRequestParameters, kmsRequestParameters, queryRequestParameters, queryResponseElements } from '../../src/audit/redact.js';
import { secureRandom } from '../../src/crypto/random.js';
import type { Principal } from '../../src/domain/call-context.js';
import type { Store } from '../../src/store/ports.js';

const deepArray = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n));

describe('bounded audit record builders', () => {
  it('awsQuery: a member name of 20,000 parts is left out, not walked', () => {
    const name = Array.from({ length: 20_000 }, (_, i) => `p${i}`).join('.');
    const params = queryRequestParameters(new Map([['Action', 'PutUserPolicy'], ['UserName', 'u'], [name, 'x'], ['A.member.99999999999999999999', 'y']]));
    assert.deepEqual(params, { userName: 'u', a: [] });
    assert.doesNotThrow(() => canonicalJson(params));
  });

  it('JSON: non-finite numbers and parts deeper than the bound are left out', () => {
    const request = JSON.parse('{"MaxResults": 1e400, "Neg": -1e400, "Zero": -0, "Tiny": 1e-400, "Big": 123456789012345678901234567890}');
    const params = jsonRequestParameters({ ...request, Deep: deepArray(50_000) })!;
    assert.equal(params.maxResults, undefined);
    assert.equal(params.neg, undefined);
    assert.equal(canonicalJson(params.zero), '0');
    assert.doesNotThrow(() => canonicalJson(params));
    assert.ok(canonicalJson(params).length < 200);
  });

  it('KMS: 1e400 in a number member and an invalid timestamp are left out', () => {
    assert.deepEqual(kmsRequestParameters('GenerateRandom', { NumberOfBytes: Infinity }), null);
    assert.deepEqual(kmsRequestParameters('ScheduleKeyDeletion', { KeyId: 'k', PendingWindowInDays: -Infinity }), { keyId: 'k' });
    assert.deepEqual(queryResponseElements({ When: new Date(NaN), N: Infinity, S: 's' }), { s: 's' });
  });

  it('buildCallEvents: a record whose full build fails is still recorded, minimally', async () => {
    const failing = new Proxy({}, { get: () => { throw new Error('store down'); } }) as unknown as Store;
    const principal: Principal = { type: 'Root', arn: 'arn:aws:iam::111111111111:root', account: '111111111111', userId: '111111111111', accessKeyId: 'AKIA' } as Principal;
    const trace: ApiCallTrace = {
      requestId: 'r-1', eventTime: new Date(0), sourceIp: '127.0.0.1', userAgent: 'ua', service: 'kms', region: 'us-east-1',
      principal, operation: 'DisableKey', request: { KeyId: 'alias/resolved-in-the-store' }, // the alias lookup fails
    };
    const events = await buildCallEvents(trace, { store: failing, random: secureRandom });
    assert.equal(events.length, 1);
    const record = JSON.parse(events[0]!.record);
    assert.equal(record.eventName, 'DisableKey');
    assert.equal(record.requestID, 'r-1');
    assert.equal(record.userIdentity.arn, principal.arn);
    assert.equal(record.requestParameters, null);
  });
});
