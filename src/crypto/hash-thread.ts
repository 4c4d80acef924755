/**
 * A hash thread (hash-threads.ts starts it): digests the blocks of the bodies it is given, reading
 * them from shared memory. It sees plaintext only — never a key — and logs nothing.
 */
import { parentPort } from 'node:worker_threads';
import { createHasher, type IncrementalHasher } from './checksums.js';
import type { ThreadReply, ThreadRequest } from './hash-threads.js';

const port = parentPort!;
const blocks = new Map<number, Uint8Array>();
const sessions = new Map<number, IncrementalHasher[]>();
const failedSessions = new Set<number>();

function handle(m: ThreadRequest): ThreadReply | undefined {
  switch (m.t) {
    case 'begin':
      sessions.set(m.id, m.hash.map(createHasher));
      return undefined;
    case 'block': {
      let block = blocks.get(m.block);
      if (!block) {
        if (!m.sab) throw new Error('unknown block');
        block = new Uint8Array(m.sab);
        blocks.set(m.block, block);
      }
      const bytes = block.subarray(0, m.length);
      for (const h of sessions.get(m.id) ?? []) h.update(bytes);
      return { id: m.id, seq: m.seq };
    }
    case 'end': {
      const hashes = sessions.get(m.id) ?? [];
      sessions.delete(m.id);
      if (failedSessions.delete(m.id)) throw new Error('session failed');
      return { id: m.id, seq: -1, digests: hashes.map((h) => h.digest()) };
    }
    case 'abort':
      sessions.delete(m.id);
      failedSessions.delete(m.id);
      return undefined;
    case 'forget':
      blocks.delete(m.block);
      return undefined;
  }
}

port.on('message', (m: ThreadRequest) => {
  let reply: ThreadReply | undefined;
  try {
    reply = handle(m);
  } catch {
    // One fixed failure, no detail: the request thread fails that body's write.
    if (m.t === 'block' || m.t === 'end') reply = { id: m.id, seq: m.t === 'block' ? m.seq : -1, failed: true };
  }
  if (reply?.failed && m.t === 'block') {
    // A body that missed a block has no valid digest: its end fails too.
    sessions.delete(m.id);
    failedSessions.add(m.id);
  }
  if (reply) port.postMessage(reply);
});
