/**
 * A child process (node:child_process fork) that keeps abusive connections open against a server
 * (what the server closes is opened again), so the probes in the test process measure the server,
 * not the attacker's event loop. Its first message is { endpoint, attack: Record<Abuse, number>,
 * bodyBytes }; it reports { opened, idle } every 2 s, and { done } after 'stop'.
 */
import { once } from 'node:events';
import { openAbusive, type Abuse, type AbusiveClients } from './abusive-clients.js';

const [config] = (await once(process, 'message')) as [{ endpoint: string; attack: Record<Abuse, number>; bodyBytes: number }];
const { endpoint, attack, bodyBytes } = config;
const open = new Map<Abuse, AbusiveClients[]>();
const alive = (kind: Abuse) => (open.get(kind) ?? []).reduce((n, g) => n + g.sockets.length - g.closed(), 0);
let stop = false;
let opened = 0;
process.on('message', (m) => {
  if (m === 'stop') stop = true;
});
while (!stop) {
  for (const kind of Object.keys(attack) as Abuse[]) {
    const missing = attack[kind] - alive(kind);
    if (missing <= 0 || stop) continue;
    const g = await openAbusive(endpoint, kind, missing, { bodyBytes });
    open.set(kind, [...(open.get(kind) ?? []), g]);
    opened += missing;
  }
  process.send!({ opened, idle: alive('idle') });
  await new Promise((r) => setTimeout(r, 2000));
}
for (const groups of open.values()) for (const g of groups) g.destroy();
process.send!({ opened, done: true }, () => process.exit(0));
