import pg from 'pg';
import type { ChangeFeed } from '../change-feed.js';
import { CHANGE_CHANNEL, CHANGE_COUNT_SQL } from './schema-store-changes-notify.js';

export interface ChangeWatcherOptions {
  /** Connection settings of the dedicated LISTEN connection. */
  connection: pg.ClientConfig;
  /** Runs the counter query when the LISTEN connection is behind (normally the node's pool). */
  query: (sql: string) => Promise<{ rows: { n: string | null }[] }>;
  /** How often the LISTEN connection also reads the counter (default 20 ms). */
  pollIntervalMs?: number;
  /** A request trusts the caches only if the counter was read at most this long before (default 50 ms). */
  maxStalenessMs?: number;
  /** Wait before reconnecting the LISTEN connection (default 200 ms). */
  reconnectDelayMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

/**
 * Cross-node cache invalidation on PostgreSQL. Writes NOTIFY in their own transaction and bump a
 * change counter (schema-store-changes-notify.ts). A dedicated connection LISTENs and, every
 * `pollIntervalMs`, also reads the counter, so a lost notification costs at most one poll. A
 * request (`sync`) trusts the caches only while the last counter read was sent at most
 * `maxStalenessMs` ago; otherwise — LISTEN connection down, poll stalled — it reads the counter
 * itself before going on. Any change seen, a lost connection or a reconnect empties the caches.
 * So a write acknowledged on any node is honoured here within maxStalenessMs plus one round trip.
 */
export class PostgresChangeWatcher implements ChangeFeed {
  private readonly listeners: (() => void)[] = [];
  private client: pg.Client | undefined;
  private listening = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** When the newest applied counter read was sent (its snapshot is at least that recent). */
  private verifiedAt = -Infinity;
  private seen: string | undefined;
  private sent = 0;
  private applied = 0;
  private inline: { sentAt: number; done: Promise<void> } | undefined;
  private readonly pollMs: number;
  private readonly staleMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: ChangeWatcherOptions) {
    this.pollMs = opts.pollIntervalMs ?? 20;
    this.staleMs = opts.maxStalenessMs ?? 50;
    this.now = opts.now ?? (() => performance.now());
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Connects the LISTEN connection; resolves once it listens (rejects if the first attempt fails). */
  async start(): Promise<void> {
    await this.connect();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  async sync(): Promise<void> {
    const t = this.now();
    if (this.listening && t - this.verifiedAt <= this.staleMs) return;
    // A counter read sent recently enough covers this request too.
    if (this.inline && this.inline.sentAt >= t - this.staleMs) return this.inline.done;
    const done = this.check(this.opts.query).finally(() => {
      if (this.inline?.done === done) this.inline = undefined;
    });
    this.inline = { sentAt: t, done };
    return done;
  }

  /** True while the LISTEN connection is up (for /ready and metrics). */
  get connected(): boolean {
    return this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const c = this.client;
    this.client = undefined;
    this.listening = false;
    await c?.end().catch(() => {});
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.opts.connection);
    client.on('notification', (m) => {
      if (m.channel === CHANGE_CHANNEL) this.emit();
    });
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      if (this.closed) return void client.end().catch(() => {});
      this.client = client;
      // Notifications sent before LISTEN took effect were missed: read the counter, start from empty.
      this.emit();
      await this.check((sql) => client.query(sql));
      this.listening = this.client === client;
    } catch (e) {
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
      throw e;
    }
  }

  private lost(client: pg.Client, e?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    this.emit(); // caches start empty: what happened while disconnected is unknown
    client.end().catch(() => {});
    if (this.closed) return;
    this.opts.log?.(`store change feed: LISTEN connection lost${e ? ` (${e.message})` : ''}; reconnecting`);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    const t = setTimeout(() => {
      if (this.closed || this.client) return;
      this.connect().then(
        () => this.opts.log?.('store change feed: LISTEN connection re-established'),
        () => this.reconnectLater(),
      );
    }, this.opts.reconnectDelayMs ?? 200);
    t.unref();
  }

  private async poll(): Promise<void> {
    const client = this.client;
    if (!client || !this.listening || this.polling) return;
    this.polling = true;
    try {
      await this.check((sql) => client.query(sql));
    } catch {
      // the connection's 'error' handler reconnects; requests meanwhile check inline
    } finally {
      this.polling = false;
    }
  }

  /** Reads the counter; results are applied in the order the reads were sent. */
  private async check(query: ChangeWatcherOptions['query']): Promise<void> {
    const id = ++this.sent;
    const sentAt = this.now();
    const { rows } = await query(CHANGE_COUNT_SQL);
    if (id < this.applied) return; // a newer read already answered
    this.applied = id;
    const n = rows[0]?.n ?? '0';
    if (this.seen !== undefined && n !== this.seen) this.emit();
    this.seen = n;
    if (sentAt > this.verifiedAt) this.verifiedAt = sentAt;
  }
}
