import type { Command } from 'commander';
import type { ConnectionLimits } from '../server/connection-guard.js';

export interface NetworkFlags {
  maxConnections?: string;
  headersTimeoutMs: string;
  requestTimeoutMs: string;
  idleTimeoutMs: string;
  bodyMemoryMib: string;
  metricsPort?: string;
  metricsHost: string;
}

const env = process.env;

/** `serve` options for the connection limits and the metrics listener (README "Configuration"). */
export function addNetworkOptions(cmd: Command): Command {
  return cmd
    .option('--max-connections <n>', 'open client connections at most, per process (LOCKSMITH_MAX_CONNECTIONS; default: half the open-file limit, at most 1024)', env.LOCKSMITH_MAX_CONNECTIONS || undefined)
    .option('--headers-timeout-ms <ms>', 'time a client has to send request headers (LOCKSMITH_HEADERS_TIMEOUT_MS)', env.LOCKSMITH_HEADERS_TIMEOUT_MS ?? '10000')
    .option('--request-timeout-ms <ms>', 'time a client has to send a whole request; also the longest a socket may sit with no I/O (LOCKSMITH_REQUEST_TIMEOUT_MS)', env.LOCKSMITH_REQUEST_TIMEOUT_MS ?? '30000')
    .option('--idle-timeout-ms <ms>', 'keep-alive idle time between requests (LOCKSMITH_IDLE_TIMEOUT_MS)', env.LOCKSMITH_IDLE_TIMEOUT_MS ?? '5000')
    .option('--body-memory-mib <n>', 'memory for request bodies still arriving, all connections together (LOCKSMITH_BODY_MEMORY_MIB)', env.LOCKSMITH_BODY_MEMORY_MIB ?? '64')
    .option('--metrics-port <n>', 'serve Prometheus /metrics on this port; off when unset (LOCKSMITH_METRICS_PORT)', env.LOCKSMITH_METRICS_PORT || undefined)
    .option('--metrics-host <h>', 'address of the metrics listener (LOCKSMITH_METRICS_HOST)', env.LOCKSMITH_METRICS_HOST ?? '127.0.0.1');
}

/** The limits and metrics listener the flags ask for; throws a message naming the bad flag. */
export function parseNetworkOptions(o: NetworkFlags): { connectionLimits: Partial<ConnectionLimits>; metricsPort?: number; metricsHost: string } {
  const int = (flag: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`invalid ${flag} '${v}': an integer from ${min} to ${max} expected`);
    return n;
  };
  const limits: Partial<ConnectionLimits> = {
    maxConnections: o.maxConnections === undefined ? undefined : int('--max-connections', o.maxConnections, 1, 1_000_000),
    headersTimeoutMs: int('--headers-timeout-ms', o.headersTimeoutMs, 100, 3_600_000),
    requestTimeoutMs: int('--request-timeout-ms', o.requestTimeoutMs, 100, 3_600_000),
    idleTimeoutMs: int('--idle-timeout-ms', o.idleTimeoutMs, 100, 3_600_000),
    bodyMemoryBytes: int('--body-memory-mib', o.bodyMemoryMib, 2, 65_536) * 1024 * 1024,
  };
  // Node refuses a headers deadline past the whole-request one.
  if (limits.headersTimeoutMs! > limits.requestTimeoutMs!) throw new Error('--headers-timeout-ms must not exceed --request-timeout-ms');
  const metricsPort = o.metricsPort === undefined ? undefined : int('--metrics-port', o.metricsPort, 0, 65535);
  return { connectionLimits: limits, metricsPort, metricsHost: o.metricsHost };
}
