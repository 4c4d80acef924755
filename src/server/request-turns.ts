import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Runs the requests node:http parses during one turn of the event loop together, once it has parsed
 * them all: the listener only queues each request, and one setImmediate (the check phase, right
 * after the poll phase that read the sockets) starts them in arrival order. Their pipelines then
 * advance side by side, each await letting the next request take the same step, so the server runs
 * SigV4 for the turn's requests, then their decoding, their operations, and so on, instead of the
 * whole path of one request between the HTTP parser's work for the next. At saturation (Encrypt,
 * 64 connections) that took the main thread from ~200 to ~110–125 µs per request: each step runs with
 * its code and data still in the CPU's caches (bench/README.md, "A turn's requests together").
 * Under light load a turn holds one request and the only cost is one setImmediate.
 *
 * A request whose connection was closed while it waited is dropped: nothing can be answered on it,
 * and nothing of it has run (no SigV4, no audit record).
 */
export function byTurn(run: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  // Flat [req, res, req, res, …]: no pair allocated per request.
  let turn: (IncomingMessage | ServerResponse)[] = [];
  const runTurn = () => {
    const queued = turn;
    turn = [];
    for (let i = 0; i < queued.length; i += 2) {
      const req = queued[i] as IncomingMessage;
      if (!req.socket.destroyed) run(req, queued[i + 1] as ServerResponse);
    }
  };
  return (req, res) => {
    if (turn.length === 0) setImmediate(runTurn);
    turn.push(req, res);
  };
}
