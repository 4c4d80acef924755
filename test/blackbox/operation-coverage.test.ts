/**
 * Issue #4's and #15's "done when": every operation of the current KMS model (56, with
 * Encapsulate and Decapsulate) is implemented. Of the six custom key store operations,
 * DescribeCustomKeyStores answers an empty list and the other five are refused with one clear
 * message. Each model operation is called with an empty body; an implemented one answers with
 * its own validation (or succeeds), never "not implemented".
 */
import { DescribeCustomKeyStoresCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

const model = JSON.parse(readFileSync(join(import.meta.dirname, '../../src/model/kms-model.json'), 'utf8')) as { operations: Record<string, unknown> };
const CUSTOM_KEY_STORE = ['ConnectCustomKeyStore', 'CreateCustomKeyStore', 'DeleteCustomKeyStore', 'DisconnectCustomKeyStore', 'UpdateCustomKeyStore'];
const CUSTOM_REFUSAL = 'Custom key stores (AWS CloudHSM and external key stores) are not supported by Locksmith.';
const NOT_IMPLEMENTED = / is not implemented by Locksmith yet\.$/;

describe('KMS operation coverage', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  const operations = Object.keys(model.operations).sort();

  it('the model has 56 operations: 51 to implement and 5 custom key store ones to refuse', () => {
    assert.equal(operations.length, 56);
    for (const op of [...CUSTOM_KEY_STORE, 'DescribeCustomKeyStores', 'Encapsulate', 'Decapsulate']) assert.ok(operations.includes(op), op);
  });

  it('DescribeCustomKeyStores: an account without custom key stores gets an empty page; a named one is not found', async () => {
    const r = await h.kmsRaw('DescribeCustomKeyStores', {});
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { CustomKeyStores: [], Truncated: false });
    const sdk = await h.kms.send(new DescribeCustomKeyStoresCommand({ Limit: 5 }));
    assert.deepEqual([sdk.CustomKeyStores, sdk.Truncated, sdk.NextMarker], [[], false, undefined]);
    const e = await awsError(() => h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: 'cks-1234567890abcdef0' })));
    assert.deepEqual([e.name, e.status], ['CustomKeyStoreNotFoundException', 400]);
  });

  for (const operation of operations) {
    const custom = CUSTOM_KEY_STORE.includes(operation);
    it(`${operation} ${custom ? 'answers UnsupportedOperationException (custom key stores are out of scope)' : 'is implemented'}`, async () => {
      // The custom key store ones get their required members, so that model validation passes.
      const body = custom ? (operation === 'CreateCustomKeyStore' ? { CustomKeyStoreName: 'store' } : { CustomKeyStoreId: 'cks-1234567890abcdef0' }) : {};
      const r = await h.kmsRaw(operation, body);
      assert.ok(r.status < 500, `${operation}: ${r.status} ${r.text}`);
      assert.ok(!NOT_IMPLEMENTED.test(r.json?.message ?? ''), `${operation}: ${r.status} ${r.text}`);
      if (custom) assert.deepEqual([r.status, r.json?.__type, r.json?.message], [400, 'UnsupportedOperationException', CUSTOM_REFUSAL]);
      else assert.ok(!(r.json?.__type === 'UnsupportedOperationException' && r.json?.message === CUSTOM_REFUSAL), operation);
    });
  }
});
