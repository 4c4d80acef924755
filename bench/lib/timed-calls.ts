import { keepAliveAgent, sendWire } from '../../test/reliability/lib/http.js';

/**
 * Sequential signed calls on one keep-alive connection, each timed (ms) from send to the end of its
 * answer; `warmup` calls first, not counted. `build` gets the call's index and the previous answer's
 * JSON (to follow a page marker); a call answered other than 200 fails the bench.
 */
export async function timedCalls(
  endpoint: string,
  build: (i: number, prev: any) => Promise<Parameters<typeof sendWire>[1]>,
  n: number,
  warmup = 0,
): Promise<number[]> {
  const agent = keepAliveAgent(1);
  const out: number[] = [];
  let prev: any;
  for (let w = 0; w < warmup; w++) await sendWire(endpoint, await build(n + w, undefined), agent);
  for (let i = 0; i < n; i++) {
    const req = await build(i, prev);
    const t0 = performance.now();
    const res = await sendWire(endpoint, req, agent);
    out.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`call ${i} answered ${res.status}: ${res.text}`);
    prev = res.json;
  }
  agent.destroy();
  return out;
}
