import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { auditStoreContract } from '../contract/audit-store-contract.js';

// The audit store contract on one SQLite file; two stores are two connections to it.
const dir = mkdtempSync(join(tmpdir(), 'locksmith-audit-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
auditStoreContract('sqlite (file)', async () => openSqliteStore(join(dir, 'locksmith.db')));
