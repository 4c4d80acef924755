/**
 * Adapter-independent contract for the storage ports (src/store/ports.ts). Each adapter's test
 * file calls `storeContract` once; the suite touches only the ports, never adapter internals.
 *
 * `open` is called before every test and must return a usable store; `close()` is called after
 * every test, then `cleanup` (e.g. to remove a temporary directory). Tests use fresh random
 * account ids, so an adapter may hand back the same, non-empty database each time.
 */
import { afterEach, beforeEach, describe } from 'node:test';
import type { Store } from '../../src/store/ports.js';
import { aliasStoreContract, credentialStoreContract, tagStoreContract } from './alias-tag-credential-contract.js';
import { grantStoreContract } from './grant-contract.js';
import { keyStoreContract } from './key-store-contract.js';
import { keyTransactionContract } from './key-transaction-contract.js';

/**
 * Registers beforeEach/afterEach hooks that open a store before every test and close it (then
 * `cleanup`) after; returns the accessor the contract sections call.
 */
export function storePerTest(open: () => Promise<Store> | Store, cleanup?: () => void): () => Store {
  let current: Store | undefined;
  beforeEach(async () => {
    current = await open();
  });
  afterEach(async () => {
    try {
      await current?.close();
    } finally {
      current = undefined;
      cleanup?.();
    }
  });
  return () => {
    if (!current) throw new Error('store is not open');
    return current;
  };
}

export function storeContract(name: string, open: () => Promise<Store> | Store, cleanup?: () => void): void {
  describe(`store contract: ${name}`, () => {
    const store = storePerTest(open, cleanup);
    keyStoreContract(store);
    keyTransactionContract(store);
    aliasStoreContract(store);
    tagStoreContract(store);
    credentialStoreContract(store);
    grantStoreContract(() => store().grants);
  });
}
