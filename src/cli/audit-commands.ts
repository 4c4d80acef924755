import type { Command } from 'commander';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDigestKey, publicKeyPem, signDigests } from '../audit/digests.js';
import { exportAuditTrail } from '../audit/export.js';
import { verifyAuditTrail } from '../audit/verify.js';
import { secureRandom } from '../crypto/random.js';
import { RootKeyring } from '../crypto/root-keyring.js';
import type { Store } from '../store/ports.js';
import { DEFAULT_DATABASE_URL, openOfflineStore } from './open-offline-store.js';
import { systemClock } from '../util/clock.js';

const DEFAULT_DATA_DIR = process.env.LOCKSMITH_DATA_DIR ?? './.locksmith';
const DEFAULT_REGION = process.env.LOCKSMITH_REGION ?? 'us-east-1';


const rootKeyFile = (dataDir: string) => process.env.LOCKSMITH_ROOT_KEY_FILE || join(dataDir, 'root-key');

function keyring(dataDir: string, required: boolean): RootKeyring | undefined {
  const file = rootKeyFile(dataDir);
  if (!required && !existsSync(file)) return undefined;
  return RootKeyring.fromFile(file, secureRandom, false);
}

async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T>, databaseUrl?: string): Promise<T> {
  const store = await openOfflineStore(dataDir, databaseUrl ?? DEFAULT_DATABASE_URL);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Every audit command reads the server's store: the data directory's SQLite file or a PostgreSQL database. */
const DATABASE_URL_OPTION = ['--database-url <url>', 'PostgreSQL store, postgres://… (LOCKSMITH_DATABASE_URL; default the data directory)'] as const;

/** `locksmith audit verify | export | public-key | digest`. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit trail: verify, export, digest public key');

  audit
    .command('verify')
    .description('check every record and digest; names the first record that was changed, removed, inserted or reordered')
    .option('--data-dir <dir>', 'data directory (LOCKSMITH_DATA_DIR)', DEFAULT_DATA_DIR)
    .option('--account <id>', 'only this account')
    .option('--region <r>', 'only this region')
    .option('--public-key <file>', 'digest public key (PEM) to trust instead of the stored one; needs --region')
    .option(...DATABASE_URL_OPTION)
    .action(async (o: { dataDir: string; account?: string; region?: string; publicKey?: string; databaseUrl?: string }) => {
      const publicKeys = new Map<string, KeyObject>();
      if (o.publicKey) {
        if (!o.region) program.error('--public-key needs --region');
        publicKeys.set(o.region!, createPublicKey(readFileSync(o.publicKey, 'utf8')));
      }
      const reports = await withStore(o.dataDir, (store) =>
        verifyAuditTrail(store.audit, { account: o.account, region: o.region, publicKeys, keyring: keyring(o.dataDir, false) }), o.databaseUrl);
      let broken = 0;
      for (const r of reports) {
        const chain = `${r.account} ${r.region}${r.writer ? ` (node ${r.writer})` : ''}`;
        if (r.problems.length === 0) {
          console.log(`${chain}: ${r.records} records, ${r.digests} digests: OK`);
          continue;
        }
        broken++;
        // Verification stops at the chain's first break: the count is of the records read up to it.
        console.log(`${chain}: ${r.records} records read up to the first break, ${r.digests} digests: BROKEN`);
        for (const p of r.problems) console.log(`  ${p.kind}: ${p.message}`);
      }
      if (reports.length === 0) console.log('no audit records');
      console.log(broken === 0 ? 'audit trail intact' : `audit trail broken in ${broken} chain(s)`);
      process.exitCode = broken === 0 ? 0 : 1;
    });

  audit
    .command('export')
    .description("write the records and digests in CloudTrail's S3 layout (AWSLogs/<account>/CloudTrail/<region>/…)")
    .requiredOption('--out <dir>', 'directory to write into')
    .option('--data-dir <dir>', 'data directory (LOCKSMITH_DATA_DIR)', DEFAULT_DATA_DIR)
    .option('--account <id>', 'only this account')
    .option('--region <r>', 'only this region')
    .option(...DATABASE_URL_OPTION)
    .action(async (o: { out: string; dataDir: string; account?: string; region?: string; databaseUrl?: string }) => {
      const report = await withStore(o.dataDir, (store) => exportAuditTrail(store.audit, o.out, { account: o.account, region: o.region }), o.databaseUrl);
      console.log(`exported ${report.records} records and ${report.digests} digests in ${report.files.length} files to ${o.out}`);
    });

  audit
    .command('public-key')
    .description("print the region's digest public key (PEM), creating the key if needed")
    .option('--data-dir <dir>', 'data directory (LOCKSMITH_DATA_DIR)', DEFAULT_DATA_DIR)
    .option('--region <r>', 'region (LOCKSMITH_REGION)', DEFAULT_REGION)
    .option(...DATABASE_URL_OPTION)
    .action(async (o: { dataDir: string; region: string; databaseUrl?: string }) => {
      const pem = await withStore(o.dataDir, async (store) => {
        const existing = await store.audit.digestKey(o.region);
        return publicKeyPem(existing ?? (await ensureDigestKey(store.audit, keyring(o.dataDir, true)!, systemClock, o.region)));
      }, o.databaseUrl);
      process.stdout.write(pem);
    });

  audit
    .command('digest')
    .description('sign a digest for every chain with records since its last digest, now')
    .option('--data-dir <dir>', 'data directory (LOCKSMITH_DATA_DIR)', DEFAULT_DATA_DIR)
    .option(...DATABASE_URL_OPTION)
    .action(async (o: { dataDir: string; databaseUrl?: string }) => {
      const written = await withStore(o.dataDir, (store) => signDigests(store.audit, keyring(o.dataDir, true)!, systemClock), o.databaseUrl);
      console.log(`signed ${written.length} digest(s)`);
    });
}
