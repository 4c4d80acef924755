import pg from 'pg';

/** Advisory lock key of the scheduler leader ('LKLD'); one per database. */
export const LEADER_LOCK = 0x4c4b_4c44;

export interface LeadershipOptions {
  /** Settings of the dedicated session that holds the lock (never a pooled connection). */
  connection: pg.ClientConfig;
  /** How often a follower tries to take the lock, and the leader checks its session (default 1000 ms). */
  intervalMs?: number;
  lockKey?: number;
  log?: (line: string) => void;
  /** Called with true when this node becomes the leader, false when it stops being one. */
  onChange?: (leader: boolean) => void;
}

/**
 * Scheduler leadership among the nodes of one database: the node whose dedicated session holds
 * `pg_try_advisory_lock(LEADER_LOCK)` runs the key schedule and signs digests. A session-level
 * advisory lock is released when its session ends (PostgreSQL "Advisory Locks"), so when the
 * leader dies — kill -9 included, its socket closes with it — another node's next attempt takes
 * over. Should two nodes ever both believe they lead (a partitioned leader that has not noticed
 * yet), the scheduled tasks are idempotent: a key is destroyed only while still due, a digest
 * number is taken once.
 */
export class AdvisoryLeadership {
  private client: pg.Client | undefined;
  private leader = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> = Promise.resolve();
  private readonly lockKey: number;

  constructor(private readonly opts: LeadershipOptions) {
    this.lockKey = opts.lockKey ?? LEADER_LOCK;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** Makes a first attempt (so a lone node leads from its first tick) and keeps trying. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** One attempt now: take the lock if free, or confirm the session that holds it still answers. */
  tick(): Promise<void> {
    this.attempt = this.attempt.then(() => this.tryOnce()).catch(() => {});
    return this.attempt;
  }

  /** Runs `task` only while this node leads; undefined otherwise. */
  async runAsLeader<T>(task: () => Promise<T>): Promise<T | undefined> {
    return this.leader ? task() : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.attempt;
    const c = this.client;
    this.client = undefined;
    this.setLeader(false);
    // Ending the session releases the lock; the next node's attempt takes it.
    await c?.end().catch(() => {});
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.opts.log?.(leader ? 'scheduler: this node is now the leader (runs the key schedule and signs audit digests)' : 'scheduler: this node is no longer the leader');
    this.opts.onChange?.(leader);
  }

  private async tryOnce(): Promise<void> {
    if (this.closed) return;
    try {
      const client = this.client ?? (await this.connect());
      if (this.leader) {
        await client.query('SELECT 1'); // the session (and with it the lock) is still there
        return;
      }
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [this.lockKey]);
      this.setLeader(rows[0]?.ok === true && this.client === client);
    } catch {
      this.drop(this.client);
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ keepAlive: true, ...this.opts.connection });
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    await client.connect();
    if (this.closed) {
      await client.end();
      throw new Error('closed');
    }
    this.client = client;
    return client;
  }

  /** The session is gone, and the lock with it. */
  private drop(client: pg.Client | undefined): void {
    if (!client || this.client !== client) return;
    this.client = undefined;
    this.setLeader(false);
    client.end().catch(() => {});
  }
}
