/**
 * The HTTP endpoint of `--metrics-listen`: GET /metrics and nothing else.
 * Whatever a client does (never sends its request, never reads the answer,
 * pipelines thousands of requests), it costs the sampling loop one short
 * synchronous serialisation per request at most: idle or stalled connections
 * are cut after a few seconds and their number is capped.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import { OutputError, UsageError } from '../errors.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * `HOST:PORT` (`127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`). The host is
 * required: all interfaces (`0.0.0.0:9464`, `[::]:9464`) only when written out.
 */
export function parseListenAddress(value: string): ListenAddress {
  const bad = (why: string) => new UsageError('ABP_BAD_ARGUMENT', `--metrics-listen ${JSON.stringify(value)}: ${why}`);
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  if (!m) throw bad('expected HOST:PORT, e.g. 127.0.0.1:9464 (or [::1]:9464; 0.0.0.0:9464 for every interface)');
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (host === '') throw bad('give the address to listen on: 127.0.0.1:PORT for this machine only, 0.0.0.0:PORT for every interface');
  if (m[1] !== undefined && isIP(host) !== 6) throw bad(`${host} is not an IPv6 address`);
  if (m[2] !== undefined && !isIP(host) && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host)) throw bad(`${host} is neither an IP address nor a host name`);
  if (port > 65535) throw bad(`port ${port} is out of range (0-65535)`);
  return { host, port };
}

export interface MetricsServer {
  /** Where it listens, e.g. http://127.0.0.1:9464/metrics (the real port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Told about a scrape that failed to serialise (never expected; the scraper gets a 500). */
  onError?: (err: Error) => void;
}

/** Limits on what one client can hold: connections, and how long a slow one may take. */
const MAX_CONNECTIONS = 64;
const IDLE_MS = 10_000;

/** Listens on `addr`; resolves once listening, rejects with ABP_METRICS_LISTEN when it cannot. */
export async function serveMetrics(registry: Registry, addr: ListenAddress, opts: ServeOptions = {}): Promise<MetricsServer> {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: only /metrics is served here\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: Error) => {
        opts.onError?.(err);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('metrics failed\n');
      },
    );
  };
  const server = createServer(
    {
      // A client that never finishes its request, or stalls reading the answer, is cut off.
      requestTimeout: IDLE_MS,
      headersTimeout: IDLE_MS / 2,
      keepAliveTimeout: IDLE_MS / 2,
      maxHeaderSize: 8 * 1024,
    },
    handle,
  );
  server.maxConnections = MAX_CONNECTIONS;
  server.timeout = IDLE_MS;
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      const shown = addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
      const why =
        err.code === 'EADDRINUSE'
          ? 'the port is in use (is another abp watch or exporter running?)'
          : err.code === 'EADDRNOTAVAIL'
            ? 'no interface of this machine has that address'
            : err.code === 'EACCES'
              ? 'permission denied (ports below 1024 need privileges)'
              : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
                ? 'the host name does not resolve'
                : err.message;
      reject(new OutputError('ABP_METRICS_LISTEN', `--metrics-listen ${shown}: cannot listen: ${why}`, { cause: err }));
    };
    server.once('error', fail);
    server.listen({ host: addr.host, port: addr.port, exclusive: true }, () => {
      server.off('error', fail);
      resolve();
    });
  });
  // After start, a server error must not end the watch; it is only reported.
  server.on('error', (err) => opts.onError?.(err));
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : addr.port;
  const host = typeof bound === 'object' && bound ? bound.address : addr.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
