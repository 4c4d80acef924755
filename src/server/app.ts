import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AccessKeyPair } from '../auth/credentials.js';
import { withAuditedKeyDeletion } from '../audit/deletion-audit.js';
import { signDigests } from '../audit/digests.js';
import { AuditRecorder } from '../audit/recorder.js';
import { RootKeyring } from '../crypto/root-keyring.js';
import { createPooledRandom, type Random } from '../crypto/random.js';
import { SigningKeyCache } from '../auth/sigv4.js';
import { applySeed, formatSeedReport, type SeedReport } from '../seed/apply-seed.js';
import type { Seed } from '../seed/seed-types.js';
import { runKeySchedule, type ScheduleEnv } from '../services/kms/key-scheduler.js';
import { KmsService } from '../services/kms/kms-service.js';
import { openNodeStores } from './store-setup.js';
import { S3Service } from '../services/s3/s3-service.js';
import { HashThreads } from '../crypto/hash-threads.js';
import { BucketKeyCache } from '../services/s3/sse/bucket-key-cache.js';
import { keyStampFrom } from '../services/s3/sse/bucket-key-stamp.js';
import { withUnwrapCache } from '../crypto/unwrap-cache.js';
import { DAY_MS, systemClock, type Clock } from '../util/clock.js';
import { ensureDefaultAccount, startupNotice, writeAwsProfileFiles } from './bootstrap.js';
import { requestLogger, type RequestLogDestination } from './request-log.js';
import { recoverIntents } from './audit-first.js';
import { ConnectionGuard, defaultConnectionLimits, type ConnectionLimits } from './connection-guard.js';
import { createLocksmithServer } from './http-server.js';
import { LocksmithMetrics } from './metrics.js';
import { createMetricsServer } from './metrics-server.js';
import { OffsetClock } from '../util/offset-clock.js';
import { removeDevClockFile, startDevClockListener, type DevClockListener } from './dev-clock-listener.js';
import { DevClockControl } from '../services/locksmith/dev-clock-control.js';
import { loadTlsMaterial } from './tls.js';
import { stageTimingFromEnv } from './stage-timing.js';

export interface LocksmithOptions {
  host: string;
  port: number;
  dataDir: string;
  /** Defaults to `<dataDir>/root-key`, created on first start. */
  rootKeyFile?: string;
  defaultAccount: string;
  defaultRegion: string;
  /** Allowed SigV4 clock skew for every service; default: each service's own window (KMS 5 min, S3/STS 15). */
  skewMs?: number;
  clock?: Clock;
  /** Real time for SigV4 and the Date header when `clock` is a test's lifecycle clock; `clock` when absent. */
  requestClock?: Clock;
  random?: Random;
  /** How often the key schedule (deletions, rotations, import expiry) runs (real time); the dates themselves use `clock`. */
  sweepIntervalMs?: number;
  log?: (line: string) => void;
  /** Accounts, principals, keys and grants to create idempotently at start (`--seed`). */
  seed?: Seed;
  /** How often audit digests are signed (real time; default hourly, as CloudTrail delivers digests). */
  auditDigestIntervalMs?: number;
  /** Audit records written per group commit at most (default 256). */
  auditBatchSize?: number;
  /**
   * Where the per-request JSON log lines go: 'stdout', a function receiving each line, or
   * nowhere (the default, so embedded servers and tests stay quiet).
   */
  requestLog?: RequestLogDestination;
  /**
   * INSECURE, for measuring audit-first's cost only (bench/): API calls are answered without
   * being recorded in the audit trail. Never use it for a service anyone relies on.
   */
  insecureSkipAudit?: boolean;
  /**
   * This process's index in a cluster (`serve --workers`), shown in its request log lines.
   * Worker 0 sets the data directory up (root key, default account, seed, AWS profile files) and
   * alone runs the key schedule and signs audit digests; the others only serve requests.
   */
  worker?: number;
  /**
   * Show the root secret (a paste-able shell block) when this start writes the profile files.
   * Only for a `log` that is a terminal: `serve` logs to stdout, which is also the JSON request
   * log and often a file. Otherwise only the profile files' paths are logged. Default false.
   */
  showRootCredentials?: boolean;
  /** Keys with their own locksmith_key_usage_total series at most (default 100; the rest count as "other"). */
  metricsKeySeriesLimit?: number;
  /** Serve Prometheus `/metrics` on this port (0: a free one); not served at all when absent. */
  metricsPort?: number;
  /** Address of the metrics listener (default 127.0.0.1). */
  metricsHost?: string;
  /** Connection cap, deadlines and body memory; unset fields take defaultConnectionLimits(). */
  connectionLimits?: Partial<ConnectionLimits>;
  /**
   * INSECURE, development only: the lifecycle clock (real time plus an offset) can be moved by
   * `locksmith clock` through a loopback listener (src/server/dev-clock-listener.ts); SigV4 keeps real time.
   */
  insecureDevClock?: boolean;
  /** Serve HTTPS on this port too (0: a free one), same host and requests; no HTTPS when absent. */
  tlsPort?: number;
  /** PEM certificate chain and key for HTTPS; both or neither. Neither: `<dataDir>/tls/` (tls.ts), generated on first start. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** How long S3 reuses a Bucket Key per requester and KMS key (default DEFAULT_BUCKET_KEY_TTL_MS; 0: never). */
  s3BucketKeyTtlMs?: number;
  /** With `databaseUrl`: this node's id, naming its audit chains (default: the host name). */
  nodeId?: string;
  /** postgres://… : keep state in PostgreSQL, shared by every node pointed at it (default: SQLite in the data directory). */
  databaseUrl?: string;
  /** PostgreSQL pool of this node: connections at most (default 10), wait for one (default 2 s, pool.ts). */
  databasePool?: { max?: number; acquireTimeoutMs?: number };
  /** Directory of S3 object bytes (default `<dataDir>/objects`); with several nodes, one they all reach (e.g. NFS). */
  objectDir?: string;
}

export interface RunningLocksmith {
  endpoint: string;
  port: number;
  /** `http://host:port` of the metrics listener, when `metricsPort` was given. */
  metricsEndpoint?: string;
  /** `https://host:port` of the HTTPS listener, when `tlsPort` was given. */
  tlsEndpoint?: string;
  /** The CA certificate clients trust for it, when the certificate was generated (not --tls-cert). */
  tlsCaFile?: string;
  account: string;
  rootCredentials: AccessKeyPair;
  /** Destroys keys whose deletion date has passed, now (also runs on a timer). */
  sweepDeletions(): Promise<number>;
  /** Runs every scheduled key task (deletion, automatic rotation, import expiry) now; counts by task. */
  runKeySchedule(): Promise<Record<string, number>>;
  /** Signs an audit digest for every chain with new records, now (also runs on a timer). */
  signAuditDigests(): Promise<number>;
  /** Applies a validated seed now, idempotently, as `--seed` does at start. */
  applySeed(seed: Seed): Promise<SeedReport>;
  /** Entries held by this server's own caches (tests and diagnostics; never their content). */
  cacheSizes(): CacheSizes;
  close(): Promise<void>;
}

/** The caches a server owns: made here, emptied (plaintext wiped) when it closes. */
export interface CacheSizes {
  signingKeys: number;
  unwrapped: number;
  privateKeys: number;
  storeReads: number;
  bucketKeys: number;
}

/** An intent this old is left over, not a call in flight (no call takes this long). */
const INTENT_GRACE_MS = 10 * 60 * 1000;

export { databasePath } from './store-setup.js';

export async function startLocksmith(opts: LocksmithOptions): Promise<RunningLocksmith> {
  const devClock = opts.insecureDevClock ? new OffsetClock(opts.clock ?? systemClock) : undefined;
  const clock = devClock ?? opts.clock ?? systemClock;
  if (devClock) opts = { ...opts, requestClock: opts.requestClock ?? opts.clock ?? systemClock };
  else if ((opts.worker ?? 0) === 0) removeDevClockFile(opts.dataDir);
  // Every cache is this server's own (no module state): the random pool, signing keys, unwrapped
  // secrets and parsed private keys (the caching keyring), store reads, S3 Bucket Keys.
  const pooledRandom = opts.random ? undefined : createPooledRandom();
  const random = opts.random ?? pooledRandom!;
  const signingKeys = new SigningKeyCache(1000);
  const log = opts.log ?? ((line: string) => console.log(line));
  const rootKeyFile = opts.rootKeyFile ?? join(opts.dataDir, 'root-key');
  const leader = (opts.worker ?? 0) === 0;
  const keyring = withUnwrapCache(RootKeyring.fromFile(rootKeyFile, random, leader && opts.rootKeyFile === undefined));
  // Per-request reads and unwrapped secrets are cached; any write through the store forgets both.
  const clustered = opts.worker !== undefined;
  // S3 Bucket Keys (plaintext per requester and KMS key) are dropped with every other key-dependent cache.
  // A change of unknown cause (another worker or node wrote) keeps a bucket key only while its KMS key's state, policy and grants are unchanged.
  const bucketKeys = new BucketKeyCache({ clock, ttlMs: opts.s3BucketKeyTtlMs, stamp: keyStampFrom(() => store) });
  const forgetDerived = (cause?: string) => {
    keyring.forget();
    // The minutely purge of expired sessions changes no one's rights to a key: Bucket Keys stay.
    if (cause === undefined) bucketKeys.suspect();
    else if (cause !== 'sessions.purgeExpired') bucketKeys.clear();
  };
  const stores = await openNodeStores({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, databasePool: opts.databasePool, objectDir: opts.objectDir, clustered, worker: opts.worker, onInvalidate: forgetDerived, nodeId: opts.nodeId, log });
  const store = stores.store;
  // Scheduled work (key schedule, digests) runs on one process: worker 0, or the PostgreSQL node holding the advisory lock.
  const leads = () => (stores.node ? stores.node.leadership.isLeader : leader);
  if (opts.seed && leader) {
    try {
      const report = await applySeed(store, keyring, random, clock, opts.seed);
      log(formatSeedReport(report));
      for (const w of report.warnings) log(`Seed warning: ${w}`);
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  const metrics = new LocksmithMetrics(opts.metricsKeySeriesLimit);
  // Calls are queued as facts; their records are derived by the SQLite writer thread, or here at commit time (PostgreSQL).
  const audit = new AuditRecorder(store.audit, { maxBatch: opts.auditBatchSize, onCommit: (seconds) => metrics.auditCommitted(seconds), eventDeps: { store, random } });
  metrics.watchAuditQueue(() => audit.depth);
  const audited = withAuditedKeyDeletion(store, audit, clock, random);
  // LOCKSMITH_STAGE_TIMING=1 (read once, here): CPU per request stage, on /metrics and logged at close.
  const timing = stageTimingFromEnv();
  const kms = new KmsService(audited, keyring, audit, timing && ((authorize) => timing.measure('authorize', authorize)));
  const boot = await ensureDefaultAccount(store, keyring, random, clock, opts.defaultAccount);
  const scheduleEnv: ScheduleEnv = { kms, audit, clock, random };
  const runSchedule = async (): Promise<Record<string, number>> => {
    if (!leads()) return {};
    await store.revalidate?.(); // other cluster workers may have written since
    return runKeySchedule(scheduleEnv, (task, e) => log(`scheduled ${task} failed: ${e.message}`));
  };
  if (leader) await runSchedule();
  // Calls that ran but whose record could not be written left their intents: record them now.
  // With PostgreSQL other nodes may have calls in flight: only intents past the grace are left over.
  const leftOver = opts.databaseUrl === undefined ? new Date(8.64e15) : new Date(clock.now().getTime() - INTENT_GRACE_MS);
  if (leader) await recoverIntents(store.audit, audit, random, leftOver).catch((e) => log(`audit intent recovery failed: ${(e as Error).message}`));

  // S3 metadata; object bytes in <data-dir>/objects/ or --object-dir.
  const { s3Store, objectFiles } = stores;
  if (leader) {
    // Alone, every unreferenced file is an orphan; in a cluster, other workers may be between
    // writing a file and committing it, so only files untouched for an hour are orphans.
    // Unverified: an hour is a chosen grace, longer than any single upload is expected to take.
    const olderThan = stores.otherWriters ? Date.now() - 3_600_000 : undefined;
    const removed = await objectFiles.cleanup(await s3Store.referencedFiles(), olderThan);
    if (removed > 0) log(`removed ${removed} orphaned object file(s) left by an interrupted write`);
  }
  const s3 = new S3Service({ store: audited, s3: s3Store, files: objectFiles, kms, keyring, bucketKeys, hashThreads: new HashThreads(), onKeyUsed: (operation, keyArn) => metrics.keyUsed(keyArn, operation), ...(opts.insecureSkipAudit ? {} : { audit }) });

  if (timing) metrics.watchStages(() => timing.rows());
  const requestLog = requestLogger(opts.requestLog, opts.worker);
  const connections = new ConnectionGuard({ ...defaultConnectionLimits(), ...definedFields(opts.connectionLimits ?? {}) });
  const devClockControl = devClock && new DevClockControl(devClock, runSchedule);
  const serverDeps = { devClock: devClockControl, store: audited, keyring, kms, clock, requestClock: opts.requestClock, random, skewMs: opts.skewMs, log, audit, metrics, requestLog, insecureSkipAudit: opts.insecureSkipAudit, connections, s3, signingKeys, timing };
  const server = createLocksmithServer(serverDeps);
  const tls = opts.tlsPort === undefined ? undefined : loadTlsMaterial(opts.dataDir, { certFile: opts.tlsCertFile, keyFile: opts.tlsKeyFile });
  const tlsServer = tls && createLocksmithServer(serverDeps, tls);
  if (opts.insecureSkipAudit) log('WARNING: --insecure-skip-audit: API calls are NOT recorded in the audit trail. For benchmarks only.');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = httpUrl(opts.host, port);
  let tlsEndpoint: string | undefined;
  if (tlsServer) {
    await new Promise<void>((resolve, reject) => {
      tlsServer.once('error', reject);
      tlsServer.listen(opts.tlsPort, opts.host, () => resolve());
    });
    tlsEndpoint = httpUrl(opts.host, (tlsServer.address() as AddressInfo).port).replace(/^http:/, 'https:');
  }
  const metricsServer = opts.metricsPort === undefined ? undefined : createMetricsServer(metrics);
  let metricsEndpoint: string | undefined;
  if (metricsServer) {
    const metricsHost = opts.metricsHost ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      metricsServer.once('error', reject);
      metricsServer.listen(opts.metricsPort, metricsHost, () => resolve());
    });
    metricsEndpoint = httpUrl(metricsHost, (metricsServer.address() as AddressInfo).port);
  }
  let devClockListener: DevClockListener | undefined;
  if (devClock) {
    devClockListener = await startDevClockListener(opts.dataDir, devClockControl!);
    log(`WARNING: --insecure-dev-clock: the key lifecycle clock can be moved with \`locksmith clock\` (control on ${devClockListener.endpoint}). Development only.`);
  }
  if (leader) {
    const wroteCredentials = writeAwsProfileFiles(opts.dataDir, boot.credentials, opts.defaultRegion, endpoint);
    const notice = { account: boot.account, credentials: boot.credentials, region: opts.defaultRegion, endpoint, dataDir: opts.dataDir };
    for (const line of startupNotice({ ...notice, wroteCredentials, showRootCredentials: opts.showRootCredentials === true })) log(line);
    log(`Locksmith listening on ${endpoint} (data dir ${opts.dataDir})`);
  }
  if (leader && metricsEndpoint) log(`Prometheus metrics on ${metricsEndpoint}/metrics`);
  if (leader && tlsEndpoint) log(`HTTPS on ${tlsEndpoint} (certificate ${tls!.certFile}${tls!.caFile ? `; clients trust ${tls!.caFile}` : ''})`);

  const signAuditDigests = async () => {
    await recoverIntents(store.audit, audit, random, new Date(clock.now().getTime() - INTENT_GRACE_MS));
    await audit.flush();
    return (await signDigests(store.audit, keyring, clock)).length;
  };
  // Every PostgreSQL node keeps the timers; each tick does the work only while the node leads.
  const timers = leader || stores.node
    ? [
        setInterval(() => {
          if (!leads()) return;
          runSchedule().catch((e) => log(`key schedule failed: ${(e as Error).message}`));
          // Expired sessions are kept a day so their use still answers ExpiredToken, not InvalidClientTokenId.
          store.sessions.purgeExpired(new Date(clock.now().getTime() - DAY_MS)).catch((e) => log(`session purge failed: ${(e as Error).message}`));
        }, opts.sweepIntervalMs ?? 60_000),
        setInterval(() => {
          if (leads()) signAuditDigests().catch((e) => log(`audit digest failed: ${(e as Error).message}`));
        }, opts.auditDigestIntervalMs ?? 60 * 60_000),
      ]
    : [];
  for (const t of timers) t.unref();

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    port,
    metricsEndpoint,
    tlsEndpoint,
    tlsCaFile: tls?.caFile,
    account: boot.account,
    rootCredentials: boot.credentials,
    sweepDeletions: async () => (await runSchedule()).deletion ?? 0,
    runKeySchedule: runSchedule,
    signAuditDigests,
    applySeed: (seed) => applySeed(store, keyring, random, clock, seed),
    cacheSizes: () => ({ signingKeys: signingKeys.size, ...keyring.cacheSizes(), storeReads: store.cachedReads?.() ?? 0, bucketKeys: bucketKeys.size }),
    // Closing twice (or concurrently) waits for the one close: the store's pool ends once.
    close: () => (closing ??= (async () => {
      for (const t of timers) clearInterval(t);
      await devClockListener?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (tlsServer) await new Promise<void>((resolve) => {
        tlsServer.close(() => resolve());
        tlsServer.closeAllConnections();
      });
      if (metricsServer) await new Promise<void>((resolve) => {
        metricsServer.close(() => resolve());
        metricsServer.closeAllConnections();
      });
      // A clean stop pins the chains' heads in a signed digest (the leader's job in a cluster).
      if (leads()) await signAuditDigests().catch((e) => log(`audit digest failed: ${(e as Error).message}`));
      else await audit.flush();
      await s3.close();
      await s3Store.close();
      await store.close();
      forgetDerived('close');
      signingKeys.clear();
      if (timing) log(timing.format());
      pooledRandom?.close();
      await new Promise<void>((resolve) => (requestLog ? requestLog.flush(() => resolve()) : resolve()));
    })()),
  };
}

function httpUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function definedFields<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
