import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Key-usage series kept per key at most; further keys are counted under key="other". */
export const DEFAULT_KEY_SERIES_LIMIT = 100;
/** (service, operation) label pairs kept at most; further pairs are counted under operation="other". */
const OPERATION_SERIES_LIMIT = 500;
const SERVICES = new Set(['kms', 'iam', 'sts', 'cloudtrail', 'locksmith']);
const OPERATION = /^[A-Za-z][A-Za-z0-9 /]{0,63}$/;
const OUTCOME = /^[A-Za-z][A-Za-z0-9.]{0,63}$/;

/** One service and operation's series: the latency histogram's labels and the request count per outcome. */
interface OperationSeries {
  readonly labels: { service: string; operation: string };
  readonly outcomes: Map<string, number>;
}

/**
 * Prometheus metrics of one server, in a registry of its own (several servers in one process
 * do not share series). Every label is bounded: services to a fixed set, operations to names
 * that look like operations (at most OPERATION_SERIES_LIMIT pairs), outcomes to "success" or an
 * AWS error code, keys to the first `keySeriesLimit` keys used (the rest aggregate as "other").
 * No label or value ever carries request or response content.
 */
export class LocksmithMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'service' | 'operation' | 'outcome'>;
  private readonly latency: Histogram<'service' | 'operation'>;
  private readonly auditCommit: Histogram;
  private readonly storeErrors: Counter<'kind'>;
  private readonly keyUsage: Counter<'key' | 'operation'>;
  /** Requests counted here per service, operation and outcome, handed to prom-client when scraped (below). */
  private readonly operations = new Map<string, Map<string, OperationSeries>>();
  private operationSeries = 0;
  /** Key-usage counts per key label (an ARN or "other") and operation, handed over the same way. */
  private readonly keyCounts = new Map<string, Map<string, number>>();
  private trackedKeys = 0;
  private auditDepth: () => number = () => 0;

  constructor(private readonly keySeriesLimit = DEFAULT_KEY_SERIES_LIMIT) {
    const registers = [this.registry];
    const operations = this.operations;
    this.requests = new Counter({
      name: 'locksmith_requests_total',
      help: 'API requests by service, operation and outcome (success or the AWS error code).',
      labelNames: ['service', 'operation', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const byOperation of operations.values()) {
          for (const series of byOperation.values()) {
            for (const [outcome, n] of series.outcomes) this.inc({ service: series.labels.service, operation: series.labels.operation, outcome }, n);
          }
        }
      },
    });
    this.latency = new Histogram({
      name: 'locksmith_request_duration_seconds',
      help: 'API request latency, including the audit commit, by service and operation.',
      labelNames: ['service', 'operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const depth = () => this.auditDepth();
    new Gauge({
      name: 'locksmith_audit_queue_depth',
      help: 'Audit records queued for the next group commit.',
      registers,
      collect() {
        this.set(depth());
      },
    });
    this.auditCommit = new Histogram({
      name: 'locksmith_audit_commit_duration_seconds',
      help: 'Duration of audit group commits.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.storeErrors = new Counter({
      name: 'locksmith_store_errors_total',
      help: 'Storage failures: audit writes, readiness pings, and unexpected errors while serving a call.',
      labelNames: ['kind'],
      registers,
    });
    const keyCounts = this.keyCounts;
    this.keyUsage = new Counter({
      name: 'locksmith_key_usage_total',
      help: `Successful KMS calls per key ARN; only the first ${keySeriesLimit} keys get their own series, the rest count as key="other".`,
      labelNames: ['key', 'operation'],
      registers,
      collect() {
        this.reset();
        for (const [key, byOperation] of keyCounts) for (const [operation, n] of byOperation) this.inc({ key, operation }, n);
      },
    });
  }

  watchAuditQueue(depth: () => number): void {
    this.auditDepth = depth;
  }

  /** LOCKSMITH_STAGE_TIMING=1: cumulative CPU and wall seconds and laps per request stage (stage-timing.ts). */
  watchStages(rows: () => readonly { stage: string; laps: number; cpuUs: number; wallUs: number }[]): void {
    const registers = [this.registry];
    const series = [
      ['locksmith_stage_cpu_seconds', 'Process CPU time spent in each request stage (cumulative).', (r: { cpuUs: number }) => r.cpuUs / 1e6],
      ['locksmith_stage_wall_seconds', 'Wall time spent in each request stage (cumulative).', (r: { wallUs: number }) => r.wallUs / 1e6],
      ['locksmith_stage_laps', 'Times each request stage was timed (cumulative).', (r: { laps: number }) => r.laps],
    ] as const;
    for (const [name, help, value] of series) {
      new Gauge({
        name, help, labelNames: ['stage'], registers,
        collect() {
          for (const r of rows()) this.set({ stage: r.stage }, value(r as never));
        },
      });
    }
  }

  auditCommitted(seconds: number): void {
    this.auditCommit.observe(seconds);
  }

  storeError(kind: 'audit_write' | 'readiness_ping' | 'unexpected'): void {
    this.storeErrors.inc({ kind });
  }

  /**
   * One finished request. `keyArn` is the key a successful KMS call used, when it names one.
   * Counted in plain Maps, the labels checked once per series: prom-client validates and hashes the
   * labels on every call (bench/README.md, twelfth pass).
   */
  request(service: string | undefined, operation: string | undefined, outcome: string, seconds: number, keyArn?: string): void {
    const series = this.series(service, operation);
    const outcomes = series.outcomes;
    const n = outcomes.get(outcome);
    if (n !== undefined) outcomes.set(outcome, n + 1);
    else {
      const out = outcome === 'success' || OUTCOME.test(outcome) ? outcome : 'unknown';
      outcomes.set(out, (outcomes.get(out) ?? 0) + 1);
    }
    this.latency.observe(series.labels, seconds);
    if (keyArn !== undefined && series.labels.service === 'kms' && outcome === 'success') this.keyUsed(keyArn, series.labels.operation);
  }

  /** The series of a service and operation: 'unknown' for a name that does not look like one, 'other' past OPERATION_SERIES_LIMIT. */
  private series(service: string | undefined, operation: string | undefined): OperationSeries {
    const s = service !== undefined && SERVICES.has(service) ? service : 'unknown';
    let byOperation = this.operations.get(s);
    if (!byOperation) this.operations.set(s, (byOperation = new Map()));
    const known = operation === undefined ? undefined : byOperation.get(operation);
    if (known) return known;
    let op = operation !== undefined && OPERATION.test(operation) ? operation : 'unknown';
    if (!byOperation.has(op) && this.operationSeries >= OPERATION_SERIES_LIMIT) op = 'other';
    let series = byOperation.get(op);
    if (!series) {
      byOperation.set(op, (series = { labels: { service: s, operation: op }, outcomes: new Map() }));
      this.operationSeries++;
    }
    return series;
  }

  /** A successful KMS call that used `keyArn`: a request's own, or one S3 made on its caller's behalf (SSE-KMS). */
  keyUsed(keyArn: string, operation: string): void {
    let byOperation = this.keyCounts.get(keyArn);
    if (!byOperation) {
      const key = this.trackedKeys < this.keySeriesLimit ? keyArn : 'other';
      byOperation = this.keyCounts.get(key);
      if (!byOperation) {
        this.keyCounts.set(key, (byOperation = new Map()));
        if (key !== 'other') this.trackedKeys++;
      }
    }
    byOperation.set(operation, (byOperation.get(operation) ?? 0) + 1);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
