import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { localObjectFiles } from '../../src/store/object-files.js';
import { openSqliteS3Store } from '../../src/store/sqlite/sqlite-s3.js';
import { s3StoreContract } from '../contract/s3-store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'locksmith-s3-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
s3StoreContract('sqlite', () => openSqliteS3Store(join(dir, 'locksmith.db')), () => localObjectFiles(join(dir, `objects-${n++}`)));
