import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { iamStoreContract } from '../contract/iam-contract.js';

// The IAM/session contract, on a real file in a fresh directory per test.
let dir: string | undefined;
iamStoreContract(
  'sqlite (file)',
  () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-iam-contract-'));
    return openSqliteStore(join(dir, 'data', 'locksmith.db'));
  },
  () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  },
);
