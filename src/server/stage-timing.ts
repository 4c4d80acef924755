/**
 * Where each microsecond of a request goes: an opt-in timer of the request path's stages
 * (`LOCKSMITH_STAGE_TIMING=1`, read once by the composition root). Off, the server holds no timer
 * and the path pays one optional-chaining check per stage. On, each `lap` adds the wall time
 * (performance.now) and the process's CPU time (process.cpuUsage: all threads, user + system)
 * since the previous lap to the stage, with a log2 histogram of the wall times.
 *
 *   const t = timing.start();  …  timing.lap(t, 'sigv4');  …  timing.lap(t, 'encode');
 *
 * A stage timed inside another (`measure`, e.g. authorization inside the operation) is taken out
 * of the enclosing stage's next lap. CPU per stage is exact when requests do not overlap (one
 * connection, as bench/run.ts measures it); under concurrency a stage that awaits also counts the
 * work of the requests that ran meanwhile.
 */

export type Stage = 'read body' | 'sigv4' | 'decode' | 'audit prepare' | 'authorize' | 'operation' | 'encode' | 'audit record' | 'audit wait' | 'send';

/** The stages in request order (the report's rows). */
export const STAGES: readonly Stage[] = ['read body', 'sigv4', 'decode', 'audit prepare', 'authorize', 'operation', 'encode', 'audit record', 'audit wait', 'send'];

export interface StageTimer {
  wall: number;
  cpu: number;
  /** Time measured by `measure` since the last lap, taken out of the next lap's stage. */
  nestedWall: number;
  nestedCpu: number;
}

export interface StageRow {
  stage: Stage;
  laps: number;
  cpuUs: number;
  wallUs: number;
  /** Wall time of one lap, from the histogram (upper bound of its power-of-two bucket). */
  p50WallUs: number;
  p99WallUs: number;
}

const BUCKETS = 32; // 2^0 … 2^31 µs
const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

interface Totals {
  laps: number;
  cpuUs: number;
  wallUs: number;
  histogram: Uint32Array;
}

export class StageTiming {
  private readonly totals = new Map<Stage, Totals>(STAGES.map((s) => [s, { laps: 0, cpuUs: 0, wallUs: 0, histogram: new Uint32Array(BUCKETS) }]));
  /** The timer of the request whose stage is running, for `measure` (a stage nested in it). */
  private current: StageTimer | undefined;

  start(): StageTimer {
    const t = { wall: performance.now(), cpu: cpuMicros(), nestedWall: 0, nestedCpu: 0 };
    this.current = t;
    return t;
  }

  lap(t: StageTimer, stage: Stage): void {
    const wall = performance.now();
    const cpu = cpuMicros();
    this.add(stage, (wall - t.wall) * 1000 - t.nestedWall, cpu - t.cpu - t.nestedCpu);
    t.wall = wall;
    t.cpu = cpu;
    t.nestedWall = 0;
    t.nestedCpu = 0;
    this.current = t;
  }

  /** Times `fn` as `stage`, inside whichever request's stage is running (taken out of that stage). */
  async measure<T>(stage: Stage, fn: () => Promise<T>): Promise<T> {
    const t = this.current;
    const wall = performance.now();
    const cpu = cpuMicros();
    try {
      return await fn();
    } finally {
      const wallUs = (performance.now() - wall) * 1000;
      const cpuUs = cpuMicros() - cpu;
      this.add(stage, wallUs, cpuUs);
      if (t) {
        t.nestedWall += wallUs;
        t.nestedCpu += cpuUs;
      }
    }
  }

  rows(): StageRow[] {
    return STAGES.map((stage) => {
      const s = this.totals.get(stage)!;
      return { stage, laps: s.laps, cpuUs: s.cpuUs, wallUs: s.wallUs, p50WallUs: quantile(s.histogram, s.laps, 0.5), p99WallUs: quantile(s.histogram, s.laps, 0.99) };
    });
  }

  /** A table of µs per lap, for the log at shutdown. */
  format(): string {
    const lines = ['stage timing (µs per lap: CPU, wall; wall p50/p99 by power-of-two bucket):'];
    for (const r of this.rows()) {
      if (r.laps === 0) continue;
      lines.push(`  ${r.stage.padEnd(14)} ${String(r.laps).padStart(9)} laps  cpu ${(r.cpuUs / r.laps).toFixed(1).padStart(8)}  wall ${(r.wallUs / r.laps).toFixed(1).padStart(8)}  p50 ≤${r.p50WallUs} p99 ≤${r.p99WallUs}`);
    }
    return lines.join('\n');
  }

  private add(stage: Stage, wallUs: number, cpuUs: number): void {
    const s = this.totals.get(stage)!;
    s.laps++;
    s.wallUs += wallUs;
    s.cpuUs += cpuUs;
    s.histogram[Math.min(BUCKETS - 1, Math.max(0, Math.ceil(Math.log2(Math.max(1, wallUs)))))]!++;
  }
}

function quantile(histogram: Uint32Array, n: number, q: number): number {
  if (n === 0) return 0;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= q * n) return 2 ** i;
  }
  return 2 ** (histogram.length - 1);
}

/** The timer when `LOCKSMITH_STAGE_TIMING=1`; undefined (no timing at all) otherwise. */
export function stageTimingFromEnv(env: NodeJS.ProcessEnv = process.env): StageTiming | undefined {
  return env.LOCKSMITH_STAGE_TIMING === '1' ? new StageTiming() : undefined;
}
