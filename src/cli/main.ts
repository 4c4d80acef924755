#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Command } from 'commander';
import { loadSeedFile } from '../seed/load-seed.js';
import { startLocksmith } from '../server/app.js';
import { registerAuditCommands } from './audit-commands.js';
import { parseDuration, registerClockCommands } from './clock-commands.js';
import { registerExplainCommand } from './explain/command.js';
import { runClusterPrimary, workerIndex } from './cluster.js';
import { registerEnvelopeCommands } from './envelope/commands.js';
import { addNetworkOptions, parseNetworkOptions, type NetworkFlags } from './network-options.js';

const program = new Command();
program.name('locksmith').description('A self-hosted key management service that speaks the AWS KMS API');

program
  .command('serve')
  .description('start the server')
  .option('--port <n>', 'port to listen on (LOCKSMITH_PORT)', process.env.LOCKSMITH_PORT ?? '4566')
  .option('--host <h>', 'address to bind (LOCKSMITH_HOST)', process.env.LOCKSMITH_HOST ?? '127.0.0.1')
  .option('--data-dir <dir>', 'data directory (LOCKSMITH_DATA_DIR)', process.env.LOCKSMITH_DATA_DIR ?? './.locksmith')
  .option('--account <id>', 'default account id (LOCKSMITH_ACCOUNT)', process.env.LOCKSMITH_ACCOUNT ?? '000000000000')
  .option('--region <r>', 'region written to the generated AWS profile (LOCKSMITH_REGION)', process.env.LOCKSMITH_REGION ?? 'us-east-1')
  .option('--seed <file>', 'YAML or JSON seed file applied idempotently at start (LOCKSMITH_SEED)', process.env.LOCKSMITH_SEED || undefined)
  .option('--workers <n>', "server processes sharing the port and data directory, or 'auto' for one per CPU (LOCKSMITH_WORKERS)", process.env.LOCKSMITH_WORKERS ?? '1')
  .option('--tls-port <n>', "HTTPS port, or 'off' (LOCKSMITH_TLS_PORT; default 4567, a free port when --port is 0)", process.env.LOCKSMITH_TLS_PORT || undefined)
  .option('--tls-cert <file>', 'PEM certificate chain for HTTPS, with --tls-key; default: generated into <data-dir>/tls (LOCKSMITH_TLS_CERT)', process.env.LOCKSMITH_TLS_CERT || undefined)
  .option('--tls-key <file>', 'PEM private key for --tls-cert (LOCKSMITH_TLS_KEY)', process.env.LOCKSMITH_TLS_KEY || undefined)
  .option('--s3-bucket-key-ttl <duration>', 'how long S3 reuses a Bucket Key per principal and KMS key, e.g. 3m, 30s; 0s: never (LOCKSMITH_S3_BUCKET_KEY_TTL; default 3m)', process.env.LOCKSMITH_S3_BUCKET_KEY_TTL || undefined)
  .option('--database-url <url>', 'postgres://… : state in PostgreSQL, shared by several nodes (LOCKSMITH_DATABASE_URL; default SQLite in the data directory)', process.env.LOCKSMITH_DATABASE_URL || undefined)
  .option('--node-id <id>', 'with --database-url: this node\'s id, naming its audit chains (LOCKSMITH_NODE_ID; default the host name)', process.env.LOCKSMITH_NODE_ID || undefined)
  .option('--database-pool-size <n>', 'PostgreSQL connections per node (LOCKSMITH_DATABASE_POOL_SIZE)', process.env.LOCKSMITH_DATABASE_POOL_SIZE ?? '10')
  .option('--object-dir <dir>', 'S3 object bytes directory, one every node reaches (LOCKSMITH_OBJECT_DIR; default <data-dir>/objects)', process.env.LOCKSMITH_OBJECT_DIR || undefined)
  .option('--insecure-skip-audit', 'INSECURE: answer API calls without recording them in the audit trail (to measure audit cost in bench/ only)')
  .option('--insecure-dev-clock', 'INSECURE, development only: let `locksmith clock` move the key lifecycle clock (deletion windows, rotation, expiry)')
  .action(async (o: { port: string; host: string; dataDir: string; account: string; region: string; seed?: string; workers: string; insecureSkipAudit?: boolean; insecureDevClock?: boolean; tlsPort?: string; tlsCert?: string; tlsKey?: string; databaseUrl?: string; databasePoolSize: string; objectDir?: string; nodeId?: string; s3BucketKeyTtl?: string } & NetworkFlags) => {
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) program.error(`invalid port '${o.port}'`);
    const tlsFlag = o.tlsPort ?? (port === 0 ? '0' : '4567');
    const tlsPort = tlsFlag === 'off' ? undefined : Number(tlsFlag);
    if (tlsPort !== undefined && (!/^\d+$/.test(tlsFlag) || tlsPort > 65535)) program.error(`invalid --tls-port '${tlsFlag}': a port or 'off'`);
    if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) program.error('--tls-cert and --tls-key go together');
    if (!/^\d{12}$/.test(o.account)) program.error(`invalid account id '${o.account}': 12 digits expected`);
    const workers = o.workers === 'auto' ? availableParallelism() : Number(o.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) program.error(`invalid --workers '${o.workers}': 1 to 64 or 'auto'`);
    if (o.databaseUrl !== undefined && !/^postgres(ql)?:\/\//i.test(o.databaseUrl)) program.error('invalid --database-url: postgres://… expected');
    // With PostgreSQL, scale by running more nodes: --workers shares one SQLite file (each worker appends to its own audit chains).
    const poolSize = Number(o.databasePoolSize);
    if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) program.error(`invalid --database-pool-size '${o.databasePoolSize}': 1 to 1000`);
    if (o.databaseUrl !== undefined && workers > 1) program.error('--workers shares a SQLite file: with --database-url, start several `locksmith serve` processes instead');
    if (o.nodeId !== undefined && !/^[A-Za-z0-9._:-]{1,64}$/.test(o.nodeId)) program.error(`invalid --node-id '${o.nodeId}': 1 to 64 letters, digits, '.', '_', ':' or '-'`);
    if (o.insecureDevClock && workers > 1) program.error('--insecure-dev-clock needs a single process: drop --workers');
    let s3BucketKeyTtlMs: number | undefined;
    try {
      s3BucketKeyTtlMs = o.s3BucketKeyTtl === undefined ? undefined : parseDuration(o.s3BucketKeyTtl);
    } catch (e) {
      program.error(`--s3-bucket-key-ttl: ${(e as Error).message}`);
    }
    let network: ReturnType<typeof parseNetworkOptions> | undefined;
    try {
      network = parseNetworkOptions(o);
    } catch (e) {
      program.error((e as Error).message);
    }
    const index = workerIndex();
    if (workers > 1 && index === undefined) return runClusterPrimary(workers, o.dataDir, (line) => console.log(line));
    fewerFullCollections();
    const running = await startLocksmith({
      host: o.host,
      port,
      dataDir: o.dataDir,
      rootKeyFile: process.env.LOCKSMITH_ROOT_KEY_FILE || undefined,
      defaultAccount: o.account,
      defaultRegion: o.region,
      seed: o.seed === undefined ? undefined : loadSeedFile(o.seed),
      requestLog: 'stdout',
      // stdout is also the JSON request log: the root secret goes to it only when it is a terminal.
      showRootCredentials: process.stdout.isTTY === true,
      insecureSkipAudit: o.insecureSkipAudit === true,
      insecureDevClock: o.insecureDevClock === true,
      worker: index,
      tlsPort,
      tlsCertFile: o.tlsCert,
      tlsKeyFile: o.tlsKey,
      s3BucketKeyTtlMs,
      databaseUrl: o.databaseUrl,
      databasePool: { max: poolSize },
      objectDir: o.objectDir,
      nodeId: o.nodeId,
      ...network,
    });
    const stop = () => {
      running.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

/**
 * The server's live heap is small (~30 MiB) and most of what it allocates dies within a request, so
 * V8 sets its old generation's limit only ~10 MiB above it and runs a full collection every ~2 s at
 * 5,000 req/s; each one parks the requests of ~10–20 ms (bench/README.md, "Full collections at half
 * load"). Growing the old generation by up to 4× its live size (V8's own largest factor) makes that
 * one every ~10 s, for ~100 MiB more heap at most. `node --heap-growing-percent=P …` wins.
 */
function fewerFullCollections(): void {
  // node refuses the flag in NODE_OPTIONS: only its own arguments can hold one.
  if (!process.execArgv.some((a) => a.replaceAll('_', '-').startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=300');
}

addNetworkOptions(program.commands.find((c) => c.name() === 'serve')!);
registerAuditCommands(program);
registerClockCommands(program);
registerExplainCommand(program);
registerEnvelopeCommands(program);

program.parseAsync().catch((e: Error) => {
  console.error(`locksmith: ${e.message}`);
  process.exit(1);
});
