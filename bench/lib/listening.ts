import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Starts a server process (the ceiling, another build's `serve`) and resolves with its endpoint once
 * it prints "listening on http://…" on stdout; stdout is drained after that, and a process that
 * exits first rejects with what it printed. Its stderr is this process's unless `stderr: 'ignore'`.
 */
export function spawnListening(args: string[], options: Pick<SpawnOptions, 'env'> & { stderr?: 'inherit' | 'ignore' } = {}): Promise<{ proc: ChildProcess; endpoint: string }> {
  const proc = spawn(process.execPath, args, { env: options.env, stdio: ['ignore', 'pipe', options.stderr ?? 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (!m) return;
      proc.stdout!.off('data', onData);
      proc.stdout!.resume();
      proc.off('exit', onExit);
      resolve({ proc, endpoint: m[1]! });
    };
    const onExit = (code: number | null) => reject(new Error(`${args.join(' ')} exited (${code}) before listening: ${out}`));
    proc.stdout!.on('data', onData);
    proc.once('exit', onExit);
  });
}
