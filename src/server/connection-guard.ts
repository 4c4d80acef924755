import { readFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener, Server } from 'node:http';
import type { Socket } from 'node:net';

/** Per-process limits on client connections (README "Configuration"; SECURITY.md "Limits"). */
export interface ConnectionLimits {
  /** Open client connections at most; at the cap an idle or slow unauthenticated one makes room. */
  maxConnections: number;
  /** Time from the connection (or the previous response) to the end of the request headers. */
  headersTimeoutMs: number;
  /** Time for a whole request, headers and body; also the longest a socket may sit with no I/O at all. */
  requestTimeoutMs: number;
  /** How long a keep-alive connection may wait idle for its next request. */
  idleTimeoutMs: number;
  /** Bytes of request bodies still arriving, summed over all connections. */
  bodyMemoryBytes: number;
}

export function defaultConnectionLimits(): ConnectionLimits {
  return {
    // Half the descriptors the process may open: the rest stay for SQLite, its WAL, the audit writer, logs.
    maxConnections: Math.max(16, Math.min(1024, Math.floor(openFileLimit() / 2))),
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    idleTimeoutMs: 5_000,
    bodyMemoryBytes: 64 * 1024 * 1024,
  };
}

/** The soft RLIMIT_NOFILE (Linux /proc; 1024 elsewhere). */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : 1024;
  } catch {
    return 1024;
  }
}

/** AWS KMS's own answer to a caller that sends too much (KMS Developer Guide, "Throttling AWS KMS requests"); SDKs back off and retry it. */
const THROTTLED = JSON.stringify({ __type: 'ThrottlingException', message: 'You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.' });
/** How long a socket we answered and closed may take to drain before it is destroyed anyway. */
const LINGER_MS = 500;
/**
 * Requests one connection may have ahead of their answers. AWS SDKs do not pipeline; without a
 * bound, one packet of pipelined requests runs hundreds of handlers in one turn of the event loop.
 */
export const MAX_PIPELINED = 16;

/**
 * Writes a last raw HTTP response and closes the socket for good: ended, then destroyed once the
 * bytes are out or after LINGER_MS — never left half-closed while the client holds its end open.
 */
export function closeWith(socket: Socket, status: string, body: string): void {
  if (socket.destroyed) return;
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, () => socket.destroy());
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/** waiting: no request yet, or between requests; receiving: headers in, body arriving; working: request complete, being answered. */
type Phase = 'waiting' | 'receiving' | 'working';

interface Connection {
  socket: Socket;
  phase: Phase;
  /** When the phase last changed (performance.now()). */
  since: number;
  /** A request on this connection passed SigV4. */
  authenticated: boolean;
  /** Bytes held for this connection's body still arriving. */
  bodyBytes: number;
  /** Requests received and not yet answered. */
  inFlight: number;
}

/** What read-body needs to account the memory of bodies still arriving. */
export interface BodyBudget {
  /** `bytes` more are held for `req`'s body; may close other connections' unfinished bodies to make room. */
  hold(req: IncomingMessage, bytes: number): void;
  /** The body is complete (or abandoned): its bytes are no longer counted. */
  release(req: IncomingMessage): void;
  /** A block of BODY_BLOCK_BYTES for a body, reused from abandoned or finished bodies when there is one. */
  takeBlock(): Buffer;
  /** Blocks no one reads any more: zeroed (they held request bytes) and kept for reuse, up to the budget. */
  recycle(blocks: Buffer[]): void;
}

/**
 * Bodies are held in blocks of this size. Blocks of abandoned and finished bodies are reused, so
 * dropping slow bodies to make room leaves no garbage behind for the collector to catch up with:
 * the memory of bodies in flight stays near the budget (SECURITY.md, connection limits).
 */
export const BODY_BLOCK_BYTES = 64 * 1024;

/**
 * Keeps unauthenticated clients from starving authenticated ones: at most `maxConnections`
 * sockets; when a new one arrives at the cap, the oldest idle or slow connection makes room,
 * unauthenticated ones first (one whose request is already being answered is never chosen); when
 * every connection is being answered, the newcomer gets a ThrottlingException and is closed. Bodies
 * still arriving share `bodyMemoryBytes`; past it, the oldest unfinished bodies are dropped. A
 * connection pipelining more than MAX_PIPELINED requests is dropped.
 */
export class ConnectionGuard implements BodyBudget {
  private readonly open = new Map<Socket, Connection>();
  private heldBodyBytes = 0;
  /** Zeroed body blocks ready for reuse (BodyBudget.takeBlock). */
  private readonly freeBlocks: Buffer[] = [];
  /** Connections closed to make room, and newcomers refused, since start. */
  readonly counts = { evicted: 0, refused: 0 };

  constructor(readonly limits: ConnectionLimits) {}

  /** Node's own deadlines plus the cap and the phase tracking ('secureConnection' for an HTTPS server). */
  attach(server: Server, event: 'connection' | 'secureConnection' = 'connection'): void {
    server.headersTimeout = this.limits.headersTimeoutMs;
    server.requestTimeout = this.limits.requestTimeoutMs;
    server.keepAliveTimeout = this.limits.idleTimeoutMs;
    // Sockets with no I/O at all (a client that never reads its responses) are destroyed.
    server.timeout = this.limits.requestTimeoutMs;
    server.on(event, (socket: Socket) => this.admit(socket));
  }

  /** The request listener, behind the phase tracking and the pipelining bound. */
  requests(handler: RequestListener): RequestListener {
    return (req, res) => {
      const c = this.open.get(req.socket);
      // A connection dropped while Node was still parsing what it had sent: nothing more runs for it.
      if (!c || req.socket.destroyed) return void req.socket.destroy();
      if (c.inFlight >= MAX_PIPELINED) return this.evict(c);
      c.inFlight++;
      // A request without a body is complete once its headers are in.
      const bodiless = req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0';
      this.enter(c, bodiless ? 'working' : 'receiving');
      req.once('end', () => this.enter(c, 'working'));
      res.once('close', () => {
        if (--c.inFlight === 0) this.enter(c, 'waiting');
      });
      handler(req, res);
    };
  }

  get connections(): number {
    return this.open.size;
  }

  /** The socket's request passed SigV4: its connection is kept over unauthenticated ones. */
  authenticated(socket: Socket): void {
    const c = this.open.get(socket);
    if (c) c.authenticated = true;
  }

  /** Whether the socket has a request under way (its response must not be interleaved with a raw one). */
  inRequest(socket: Socket): boolean {
    const c = this.open.get(socket);
    return c !== undefined && c.phase !== 'waiting';
  }

  hold(req: IncomingMessage, bytes: number): void {
    const c = this.open.get(req.socket);
    if (!c) return;
    c.bodyBytes += bytes;
    this.heldBodyBytes += bytes;
    while (this.heldBodyBytes > this.limits.bodyMemoryBytes) {
      const victim = this.oldest((o) => o !== c && o.phase === 'receiving' && o.bodyBytes > 0);
      if (!victim) break;
      this.evict(victim);
    }
  }

  release(req: IncomingMessage): void {
    const c = this.open.get(req.socket);
    if (c) this.releaseBody(c);
  }

  takeBlock(): Buffer {
    return this.freeBlocks.pop() ?? Buffer.allocUnsafeSlow(BODY_BLOCK_BYTES);
  }

  recycle(blocks: Buffer[]): void {
    for (const b of blocks) {
      if (this.freeBlocks.length * BODY_BLOCK_BYTES >= this.limits.bodyMemoryBytes) return;
      this.freeBlocks.push(b.fill(0));
    }
  }

  private admit(socket: Socket): void {
    if (this.open.size >= this.limits.maxConnections) {
      const victim = this.oldest((o) => o.phase !== 'working' && !o.authenticated) ?? this.oldest((o) => o.phase !== 'working');
      if (!victim) {
        this.counts.refused++;
        return closeWith(socket, '400 Bad Request', THROTTLED);
      }
      this.evict(victim);
    }
    const c: Connection = { socket, phase: 'waiting', since: performance.now(), authenticated: false, bodyBytes: 0, inFlight: 0 };
    this.open.set(socket, c);
    socket.once('close', () => {
      this.releaseBody(c);
      this.open.delete(socket);
    });
  }

  private evict(c: Connection): void {
    this.counts.evicted++;
    this.releaseBody(c);
    this.open.delete(c.socket);
    c.socket.destroy();
  }

  private releaseBody(c: Connection): void {
    this.heldBodyBytes -= c.bodyBytes;
    c.bodyBytes = 0;
  }

  private enter(c: Connection, phase: Phase): void {
    c.phase = phase;
    c.since = performance.now();
  }

  private oldest(eligible: (c: Connection) => boolean): Connection | undefined {
    let best: Connection | undefined;
    for (const c of this.open.values()) if (eligible(c) && (!best || c.since < best.since)) best = c;
    return best;
  }
}
