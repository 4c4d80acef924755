/**
 * The server's connections leave WAL checkpoints to a thread of their own (wal-checkpointer.ts):
 * a commit no longer stops to copy the WAL into the database file. Proof: a connection opened
 * with `backgroundCheckpoints` writes past SQLite's default threshold (1000 pages) without ever
 * reaching its own safety threshold, and the pages still reach the database file — copied by the
 * checkpointer thread, the only other connection.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { after, describe, it } from 'node:test';
import { migrate } from '../../src/store/sqlite/schema.js';
import { sqliteAuditStore } from '../../src/store/sqlite/sqlite-audit.js';
import { BACKGROUND_SAFETY_PAGES, openDatabase } from '../../src/store/sqlite/sqlite-store.js';
import { startWalCheckpointer } from '../../src/store/sqlite/wal-checkpointer.js';

const dir = mkdtempSync(join(tmpdir(), 'locksmith-checkpointer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const event = (record: string) => ({
  account: '111122223333', region: 'us-east-1', eventId: randomUUID(), eventTime: new Date(), eventName: 'Encrypt',
  eventSource: 'kms.amazonaws.com', readOnly: true, resources: [], record,
});

describe('WAL checkpointer thread', () => {
  it('checkpoints what background-checkpoint connections commit, which never checkpoint below the safety threshold', async () => {
    const path = join(dir, 'locksmith.db');
    const db = openDatabase(path, { backgroundCheckpoints: true });
    migrate(db);
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), BACKGROUND_SAFETY_PAGES);
    assert.equal(openDatabase(join(dir, 'other.db')).pragma('wal_autocheckpoint', { simple: true }), 1000, 'other connections keep SQLite default');
    const audit = sqliteAuditStore(db);
    const checkpointer = await startWalCheckpointer(path, { intervalMs: 10 });
    try {
      const record = 'x'.repeat(3000); // about one page per record
      let appended = 0;
      // Past SQLite's default threshold (1000 pages), far below the safety threshold.
      while (appended < 1500) {
        await audit.append(Array.from({ length: 50 }, () => event(record)));
        appended += 50;
        await new Promise((r) => setImmediate(r));
      }
      const deadline = Date.now() + 10_000;
      while (checkpointer.checkpointedFrames < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(checkpointer.checkpointedFrames >= 1000, `checkpointer copied ${checkpointer.checkpointedFrames} frames`);
      const [wal] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
      assert.ok(wal!.log < BACKGROUND_SAFETY_PAGES, `WAL of ${wal!.log} frames stayed below the safety threshold`);
    } finally {
      await checkpointer.close();
      db.close();
    }
    // Everything committed is in the file, chained.
    const reopened = openDatabase(path);
    assert.equal((reopened.prepare('SELECT COUNT(*) AS n FROM audit_events').get() as { n: number }).n, 1500);
    reopened.close();
  });

  it('starts another thread when its thread dies, which goes on checkpointing', async () => {
    const path = join(dir, 'restart.db');
    const db = openDatabase(path, { backgroundCheckpoints: true });
    migrate(db);
    const audit = sqliteAuditStore(db);
    const threads: Worker[] = [];
    const lines: string[] = [];
    const checkpointer = await startWalCheckpointer(path, { intervalMs: 10, restartDelayMs: 20, onThread: (t) => threads.push(t), log: (l) => lines.push(l) });
    const until = async (what: string, done: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(done(), what);
    };
    try {
      assert.equal(threads.length, 1);
      await threads[0]!.terminate();
      await until('a second thread started', () => threads.length === 2);
      assert.match(lines.join('\n'), /WAL checkpointer thread exited \(code 1\); starting another in 20 ms/);
      const before = checkpointer.checkpointedFrames;
      for (let appended = 0; appended < 300; appended += 50) await audit.append(Array.from({ length: 50 }, () => event('y'.repeat(3000))));
      await until('the new thread checkpointed', () => checkpointer.checkpointedFrames >= before + 300);
    } finally {
      await checkpointer.close();
      db.close();
    }
    assert.equal(threads.length, 2, 'closing starts no other thread');
  });
});
