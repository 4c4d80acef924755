import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The disk's floor under audit-first latency: a call is answered only after its record's commit
 * reached the disk (SQLite WAL, synchronous=FULL: one fsync of the WAL per commit). Measured as
 * appends of 4 KiB each followed by fdatasync, in the same filesystem as the servers' data dirs.
 */
export function fdatasyncLatencyMs(samples = 500): { p50: number; p99: number; max: number } {
  const dir = mkdtempSync(join(tmpdir(), 'locksmith-bench-fsync-'));
  const fd = openSync(join(dir, 'wal'), 'w');
  const page = Buffer.alloc(4096, 1);
  const ms: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      writeSync(fd, page);
      const t = performance.now();
      fdatasyncSync(fd);
      ms.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  ms.sort((a, b) => a - b);
  const at = (p: number) => ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: ms[ms.length - 1]! };
}
