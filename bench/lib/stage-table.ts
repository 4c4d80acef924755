/**
 * "Where each microsecond goes": a Locksmith server started with LOCKSMITH_STAGE_TIMING=1
 * (src/server/stage-timing.ts) answers each operation over one keep-alive connection (wrk -c 1,
 * so no two requests overlap and each stage's CPU is its own); the per-stage CPU comes from the
 * server's /metrics, the whole process's CPU per request from /proc. What the stages do not cover
 * (HTTP parsing before the handler, the event loop, GC, timers) is the difference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKmsFixture, presignedPool } from '../../test/reliability/lib/kms-fixture.js';
import { processTreeCpuSeconds, rootCredentials, spawnServer } from '../../test/reliability/lib/server-process.js';
import { wrk } from './wrk.js';

export interface StageRow {
  stage: string;
  /** CPU µs per call of each operation. */
  cpuUs: Record<string, number>;
  /** Wall µs per call of each operation. */
  wallUs: Record<string, number>;
}

type Totals = Map<string, { cpu: number; wall: number; laps: number }>;

function parseStages(metrics: string): Totals {
  const totals: Totals = new Map();
  for (const m of metrics.matchAll(/^locksmith_stage_(cpu_seconds|wall_seconds|laps)\{stage="([^"]+)"\} ([\d.e+-]+)$/gm)) {
    const t = totals.get(m[2]!) ?? { cpu: 0, wall: 0, laps: 0 };
    const v = Number(m[3]);
    if (m[1] === 'cpu_seconds') t.cpu = v;
    else if (m[1] === 'wall_seconds') t.wall = v;
    else t.laps = v;
    totals.set(m[2]!, t);
  }
  return totals;
}

async function metricsEndpoint(output: () => string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const m = /Prometheus metrics on (http:\/\/[\d.:]+)/.exec(output());
    if (m) return m[1]!;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the server did not say where its metrics are');
}

export async function stageTable(o: { ops: string[]; seconds: number; pool: number; log: (s: string) => void }): Promise<{ rows: StageRow[]; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'locksmith-bench-stages-'));
  const server = await spawnServer(dir, { serveArgs: ['--metrics-port', '0'], env: { LOCKSMITH_STAGE_TIMING: '1' }, built: true });
  const perOp: Record<string, { stages: Map<string, { cpuUs: number; wallUs: number }>; procCpuUs: number; calls: number }> = {};
  try {
    const metrics = await metricsEndpoint(server.output);
    const read = async () => parseStages(await (await fetch(`${metrics}/metrics`)).text());
    const fixture = await createKmsFixture(server.endpoint, rootCredentials(dir), { ciphertexts: o.pool });
    for (const op of o.ops) {
      const pool = await presignedPool(fixture, op, o.pool);
      await wrk(server.endpoint, pool, { seconds: 1, connections: 1 }); // warm-up
      const before = await read();
      const cpuBefore = processTreeCpuSeconds(server.pid);
      const r = await wrk(server.endpoint, pool, { seconds: o.seconds, connections: 1 });
      const procCpu = processTreeCpuSeconds(server.pid) - cpuBefore;
      const after = await read();
      if (r.non2xx > 0 || r.socketErrors > 0) throw new Error(`stage table, ${op}: ${r.non2xx} non-2xx answers, ${r.socketErrors} socket errors`);
      const calls = after.get('send')!.laps - (before.get('send')?.laps ?? 0);
      const stages = new Map<string, { cpuUs: number; wallUs: number }>();
      for (const [stage, a] of after) {
        const b = before.get(stage) ?? { cpu: 0, wall: 0, laps: 0 };
        stages.set(stage, { cpuUs: ((a.cpu - b.cpu) * 1e6) / calls, wallUs: ((a.wall - b.wall) * 1e6) / calls });
      }
      perOp[op] = { stages, procCpuUs: (procCpu * 1e6) / calls, calls };
      o.log(`  ${op}: ${calls} calls over one connection, ${((procCpu * 1e6) / calls).toFixed(0)} µs of server CPU each`);
    }
  } finally {
    await server.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  const stageNames = [...perOp[o.ops[0]!]!.stages.keys()];
  const rows: StageRow[] = stageNames.map((stage) => ({
    stage,
    cpuUs: Object.fromEntries(o.ops.map((op) => [op, perOp[op]!.stages.get(stage)?.cpuUs ?? 0])),
    wallUs: Object.fromEntries(o.ops.map((op) => [op, perOp[op]!.stages.get(stage)?.wallUs ?? 0])),
  }));
  const sum = (op: string) => rows.reduce((a, r) => a + r.cpuUs[op]!, 0);
  const us = (v: number) => v.toFixed(1);
  const lines = [
    `Where each microsecond goes (µs of server CPU per call by stage, LOCKSMITH_STAGE_TIMING=1, one connection, ${o.seconds} s per operation; Encrypt's wall µs alongside):`,
    '',
    `| stage | ${o.ops.map((op) => `${op} CPU µs`).join(' | ')} | Encrypt wall µs |`,
    `|---|${o.ops.map(() => '--:').join('|')}|--:|`,
    ...rows.map((r) => `| ${r.stage} | ${o.ops.map((op) => us(r.cpuUs[op]!)).join(' | ')} | ${us(r.wallUs.Encrypt ?? NaN)} |`),
    `| **sum of stages** | ${o.ops.map((op) => us(sum(op))).join(' | ')} | |`,
    `| outside the stages (HTTP parsing, event loop, GC) | ${o.ops.map((op) => us(perOp[op]!.procCpuUs - sum(op))).join(' | ')} | |`,
    `| **server CPU per call (/proc)** | ${o.ops.map((op) => us(perOp[op]!.procCpuUs)).join(' | ')} | |`,
    '',
    "The timer itself costs two clock reads and a getrusage per stage (about 1 µs each); 'authorize' is timed inside the operation and taken out of 'operation'.",
  ];
  return { rows, text: lines.join('\n') };
}
