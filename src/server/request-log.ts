import { pino, type DestinationStream, type Logger } from 'pino';

/** Where the request log goes: stdout (buffered), or a function given each line (tests, embedding). */
export type RequestLogDestination = 'stdout' | ((line: string) => void);

/**
 * The request log: one JSON line per request (http-server.ts `finished`), pino's format.
 * On stdout it is asynchronous and buffered: lines go out 4 KiB at a time, or after at most 100 ms.
 * Each write is a thread-pool task, and waking the pool for every line of a lightly loaded server
 * cost more CPU than the line (~25 µs per request at 3,000 req/s); writing synchronously on the
 * event loop costs 14 % of throughput at saturation instead.
 */
export function requestLogger(dest: RequestLogDestination | undefined, worker: number | undefined): Logger | undefined {
  if (dest === undefined) return undefined;
  const options = { base: worker === undefined ? undefined : { worker }, timestamp: isoTimeByMillisecond() };
  if (dest === 'stdout') return pino(options, bufferedStdout());
  return pino(options, { write: (line: string) => dest(line.trimEnd()) });
}

/**
 * sonic-boom in its buffer mode, each line handed over as a Buffer: in its text mode it takes the
 * UTF-8 length of its growing buffered string on every line, flattening it each time (~1.5 µs and
 * ~3 KiB of garbage per line, bench/README.md, twelfth pass). Its exit hooks
 * (flush on exit) are registered by pino.destination on the stream itself.
 */
function bufferedStdout(): DestinationStream & { flush(cb: (err?: Error) => void): void } {
  const out = pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100, contentMode: 'buffer' });
  const write = out.write as unknown as (line: Buffer) => boolean;
  return {
    write: (line: string) => write.call(out, Buffer.from(line)),
    flush: (cb) => out.flush(cb),
  };
}

/** pino's `isoTime` (`,"time":"<ISO 8601>"`), formatted once per millisecond instead of once per line. */
export function isoTimeByMillisecond(now: () => number = Date.now): () => string {
  let ms = Number.NaN;
  let text = '';
  return () => {
    const t = now();
    if (t !== ms) {
      ms = t;
      text = `,"time":"${new Date(t).toISOString()}"`;
    }
    return text;
  };
}
