import { after, before } from 'node:test';
import { withWriterChains } from '../../src/store/postgres/pg-audit-chains.js';
import { openPostgresStore } from '../../src/store/postgres/pg-store.js';
import { auditStoreContract } from '../contract/audit-store-contract.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';

// The audit store contract against the per-node chain store (pg-audit-chains.ts) with one writer
// id for every store — the contract's two concurrent appenders of one chain are then two
// processes given the same node id, which must still keep one unbroken chain. Per-node chains
// (distinct ids) are covered by test/reliability/pg-audit-chains.test.ts.
let cluster: PostgresCluster;
let url = '';
before(async () => {
  cluster = await startPostgres();
  url = await cluster.createDatabase();
});
after(() => cluster?.destroy());

auditStoreContract('postgres, node chains', async () => {
  const s = await openPostgresStore(url);
  return { ...s, audit: withWriterChains(s.audit, s.db, '') };
});
