/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function and per area of the code
 * (Locksmith's src/<dir> — or dist/<dir> when the built server was profiled —, node internals,
 * dependencies, GC, idle).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples that were not idle. */
  busyPercent: number;
  functions: SelfTime[];
  areas: SelfTime[];
  /** Inclusive time (self + callees) of Locksmith's own functions: the request's stages. */
  inclusive: SelfTime[];
}

function area(url: string, name: string, root: string): string {
  if (name === '(idle)') return '(idle)';
  if (name === '(garbage collector)') return '(garbage collector)';
  if (name === '(program)') return '(program: native, outside JS)';
  if (url === '') return '(native)';
  if (url.startsWith('node:internal/')) return 'node:internal/' + url.slice('node:internal/'.length).split('/')[0]!.replace(/\.js$/, '');
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const rel = relative(root, path);
  const src = /^(src|dist)\/([^/]+)/.exec(rel);
  if (src) return `${src[1]}/${src[2]}`;
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel);
  if (dep) return dep[1]!;
  return rel;
}

/** `skipMs`: samples of the first milliseconds (start-up, set-up) are left out. */
export function summarizeCpuProfile(file: string, root: string, top = 20, skipMs = 0): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (at < skipMs * 1000) continue;
    const id = p.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const fns = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const name = functionName || '(anonymous)';
    total += us;
    if (name === '(idle)') idle += us;
    const a = area(url, name, root);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const path = url.startsWith('file://') ? relative(root, new URL(url).pathname) : url;
    // tsx-transformed sources have other line numbers than the .ts files: name the file only.
    const where = path === '' ? '' : path.endsWith('.ts') ? path : `${path}:${lineNumber + 1}`;
    const key = `${name}@${where}`;
    const f = fns.get(key) ?? { name, where, us: 0 };
    f.us += us;
    fns.set(key, f);
  }
  // Inclusive: every distinct Locksmith function on a sample's stack gets the sample's time once.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const url = n.callFrame.url;
    const path = url.startsWith('file://') ? relative(root, new URL(url).pathname) : url;
    return path.startsWith('src/') || path.startsWith('dist/') ? `${n.callFrame.functionName || '(anonymous)'}@${path}` : undefined;
  };
  const inclusiveUs = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (l !== undefined) seen.add(l);
    }
    for (const l of seen) inclusiveUs.set(l, (inclusiveUs.get(l) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => (busy > 0 ? (100 * us) / busy : 0);
  return {
    totalMs: total / 1000,
    busyPercent: total > 0 ? (100 * busy) / total : 0,
    functions: [...fns.values()]
      .filter((f) => f.name !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000, percent: pct(f.us) })),
    inclusive: [...inclusiveUs.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, us]) => ({ name: l.slice(0, l.indexOf('@')), where: l.slice(l.indexOf('@') + 1), ms: us / 1000, percent: pct(us) })),
    areas: [...areas.entries()]
      .filter(([a]) => a !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .map(([a, us]) => ({ name: a, where: '', ms: us / 1000, percent: pct(us) })),
  };
}

/** Frames that only dispatch (the event loop, microtask and timer queues, event emitters): a stage is what they run. */
const DISPATCH = new Set(['(root)', 'processTicksAndRejections', 'runMicrotasks', 'processImmediate', 'listOnTimeout', 'processTimers', 'emit', '']);

export interface StageTime {
  /** Function name and file (`name (dir/file.js)`). */
  stage: string;
  /** Share of the window's busy main-thread time. */
  share: number;
  /** The stage's callees (and `(self)`), by share, largest first. */
  parts: { stage: string; share: number }[];
}

/**
 * Main-thread time of a profile between two CLOCK_MONOTONIC instants in µs (what V8 stamps its
 * samples with and process.hrtime reads), by stage: each busy sample goes to the first frame of its
 * stack below the dispatch frames — node:http's parser for a new request, the async function a
 * microtask resumed, a message from a worker thread — and, within that stage, to the callee it was in.
 * Unlike `inclusive`, every sample counts once, so the stages add up to the busy time.
 */
export function stagesInWindow(file: string, fromUs: number, toUs: number): { busyUs: number; stages: StageTime[] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} (${n.callFrame.url.split('/').slice(-2).join('/')})`;
  const stages = new Map<string, { us: number; parts: Map<string, number> }>();
  let busyUs = 0;
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) continue;
    const us = p.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(p.samples[i]!)!;
    if (leaf.callFrame.functionName === '(idle)') continue;
    busyUs += us;
    const path: ProfileNode[] = [];
    for (let cur: number | undefined = leaf.id; cur !== undefined; cur = parent.get(cur)) path.push(byId.get(cur)!);
    path.reverse();
    const first = path.findIndex((n) => !DISPATCH.has(n.callFrame.functionName));
    const stage = first < 0 ? '(dispatch)' : label(path[first]!);
    const part = first < 0 || first === path.length - 1 ? '(self)' : label(path[first + 1]!);
    const s = stages.get(stage) ?? { us: 0, parts: new Map<string, number>() };
    s.us += us;
    s.parts.set(part, (s.parts.get(part) ?? 0) + us);
    stages.set(stage, s);
  }
  const share = (us: number) => (busyUs > 0 ? us / busyUs : 0);
  return {
    busyUs,
    stages: [...stages.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .map(([stage, s]) => ({ stage, share: share(s.us), parts: [...s.parts.entries()].sort((a, b) => b[1] - a[1]).map(([part, us]) => ({ stage: part, share: share(us) })) })),
  };
}
