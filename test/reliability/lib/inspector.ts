/**
 * A server process's memory after a full garbage collection, read over the V8 inspector protocol
 * (the process is started with `--inspect=127.0.0.1:0`). RSS alone cannot tell a leak from a heap
 * that V8 has not collected yet: how long garbage stays depends on the V8 version's heuristics
 * (Node 24 lets the old generation grow for minutes before its first major GC where Node 20
 * collects within seconds), so a leak check compares live memory after a forced full GC.
 */
import WebSocket from 'ws';

export interface LiveMemory {
  /** V8 heap in use after the collection. */
  heapUsed: number;
  /** Memory of C++ objects bound to JavaScript objects (Buffers, SQLite statements, …). */
  external: number;
  rssKiB: number;
}

export interface Inspector {
  /** Runs a full GC in the server, then reads process.memoryUsage() there. */
  liveMemory(): Promise<LiveMemory>;
  close(): void;
}

/** The inspector URL the process printed ("Debugger listening on ws://…"). */
export function inspectorUrl(output: string): string {
  const m = /Debugger listening on (ws:\/\/[^\s]+)/.exec(output);
  if (!m) throw new Error(`no inspector URL in the server's output: ${output.slice(-500)}`);
  return m[1]!;
}

export async function connectInspector(url: string): Promise<Inspector> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  socket.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { id?: number; result?: any; error?: { message: string } };
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id!);
    if (msg.error) waiter.reject(new Error(msg.error.message));
    else waiter.resolve(msg.result);
  });
  const call = (method: string, params: object = {}): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    async liveMemory() {
      await call('HeapProfiler.collectGarbage');
      const { result } = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
      const usage = JSON.parse(result.value as string) as { heapUsed: number; external: number; rss: number };
      return { heapUsed: usage.heapUsed, external: usage.external, rssKiB: Math.round(usage.rss / 1024) };
    },
    close: () => socket.close(),
  };
}
