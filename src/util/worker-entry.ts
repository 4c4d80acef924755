import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running `entry` (a module next to `caller`, named without its extension): the
 * built `.js`, or under tsx (tests, bench) the `.ts` source, whose thread registers tsx's loader
 * itself first — Node 20 does not pass `--import` hooks on to worker threads.
 */
export function startWorkerEntry(caller: string, entry: string, options: WorkerOptions = {}): Worker {
  const fromSource = caller.endsWith('.ts');
  const url = new URL(`${entry}${fromSource ? '.ts' : '.js'}`, caller);
  if (!fromSource) return new Worker(url, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })
    .catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(boot, { ...options, eval: true });
}
