import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Key-usage series kept per key at most; further keys are counted under key="other". */
export const DEFAULT_KEY_SERIES_LIMIT = 100;
/** (service, operation) label pairs kept at most; further pairs are counted under operation="other". */
const OPERATION_SERIES_LIMIT = 500;
const SERVICES = new Set(['kms', 'iam', 'sts', 'cloudtrail', 'locksmith']);

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
  private readonly trackedKeys = new Set<string>();
  private readonly trackedOperations = new Set<string>();
  private auditDepth: () => number = () => 0;

  constructor(private readonly keySeriesLimit = DEFAULT_KEY_SERIES_LIMIT) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'locksmith_requests_total',
      help: 'API requests by service, operation and outcome (success or the AWS error code).',
      labelNames: ['service', 'operation', 'outcome'],
      registers,
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
    this.keyUsage = new Counter({
      name: 'locksmith_key_usage_total',
      help: `Successful KMS calls per key ARN; only the first ${keySeriesLimit} keys get their own series, the rest count as key="other".`,
      labelNames: ['key', 'operation'],
      registers,
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

  /** One finished request. `keyArn` is the key a successful KMS call used, when it names one. */
  request(service: string | undefined, operation: string | undefined, outcome: string, seconds: number, keyArn?: string): void {
    const s = service !== undefined && SERVICES.has(service) ? service : 'unknown';
    let op = operation !== undefined && /^[A-Za-z][A-Za-z0-9 /]{0,63}$/.test(operation) ? operation : 'unknown';
    const pair = `${s}\u0000${op}`;
    if (!this.trackedOperations.has(pair)) {
      if (this.trackedOperations.size < OPERATION_SERIES_LIMIT) this.trackedOperations.add(pair);
      else op = 'other';
    }
    const out = outcome === 'success' || /^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(outcome) ? outcome : 'unknown';
    this.requests.inc({ service: s, operation: op, outcome: out });
    this.latency.observe({ service: s, operation: op }, seconds);
    if (keyArn !== undefined && s === 'kms' && out === 'success') this.keyUsed(keyArn, op);
  }

  /** A successful KMS call that used `keyArn`: a request's own, or one S3 made on its caller's behalf (SSE-KMS). */
  keyUsed(keyArn: string, operation: string): void {
    if (!this.trackedKeys.has(keyArn) && this.trackedKeys.size < this.keySeriesLimit) this.trackedKeys.add(keyArn);
    this.keyUsage.inc({ key: this.trackedKeys.has(keyArn) ? keyArn : 'other', operation });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
