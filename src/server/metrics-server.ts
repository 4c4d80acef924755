import { createServer, type Server } from 'node:http';
import type { LocksmithMetrics } from './metrics.js';

/**
 * The Prometheus endpoint on a listener of its own (`--metrics-port`), off by default: its series
 * name key ARNs and operations of every account, so it is not served on the API port, where anyone
 * who can reach the port could read them without signing anything.
 */
export function createMetricsServer(metrics: LocksmithMetrics): Server {
  const server = createServer({ connectionsCheckingInterval: 1000, headersTimeout: 10_000, requestTimeout: 10_000 }, (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.text().then(
      (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
      () => res.writeHead(500).end(),
    );
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  return server;
}
