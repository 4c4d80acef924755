/**
 * A child process (node:child_process fork) that keeps abusive connections open against a server:
 * what the server closes is opened again, at most `perSecond` new connections a second (spread
 * over 100 ms ticks, every kind in turn). It runs apart so the probes in the test process measure
 * the server, not the attacker's event loop. Its first message is { endpoint, attack:
 * Record<Abuse, number>, bodyBytes, perSecond }; it reports { opened } each tick, { done } after 'stop'.
 */
import { once } from 'node:events';
import { openAbusive, type Abuse, type AbusiveClients } from './abusive-clients.js';

const [config] = (await once(process, 'message')) as [{ endpoint: string; attack: Record<Abuse, number>; bodyBytes: number; perSecond: number }];
const { endpoint, attack, bodyBytes, perSecond } = config;
const kinds = Object.keys(attack) as Abuse[];
const open = new Map<Abuse, AbusiveClients[]>(kinds.map((k) => [k, []]));
const alive = (kind: Abuse) => open.get(kind)!.reduce((n, g) => n + g.sockets.length - g.closed(), 0);
let stop = false;
let opened = 0;
let turn = 0;
process.on('message', (m) => {
  if (m === 'stop') stop = true;
});
while (!stop) {
  let budget = Math.max(1, Math.round(perSecond / 10));
  for (let i = 0; i < kinds.length && budget > 0 && !stop; i++) {
    const kind = kinds[(turn + i) % kinds.length]!;
    const n = Math.min(budget, attack[kind] - alive(kind));
    if (n <= 0) continue;
    open.get(kind)!.push(await openAbusive(endpoint, kind, n, { bodyBytes }));
    opened += n;
    budget -= n;
  }
  turn++;
  process.send!({ opened });
  await new Promise((r) => setTimeout(r, 100));
}
for (const groups of open.values()) for (const g of groups) g.destroy();
process.send!({ opened, done: true }, () => process.exit(0));
