/**
 * The HTTP endpoint of `--metrics-listen`: GET /metrics and nothing else, one
 * request per connection. Whatever a client does (never sends its request,
 * never reads the answer, pipelines thousands of requests), it costs the
 * sampling loop at most one serialisation, shared with concurrent scrapes;
 * idle or stalled connections are cut after 10 s and their number is capped.
 */
import { createServer, isIP, type Socket } from 'node:net';
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
  /** Cut a connection idle (sending nothing, or not reading its answer) this long, ms (default 10 000). */
  idleTimeoutMs?: number;
  /** Cut a connection whose request head is not complete this long after it opened, however it trickles, ms (default 10 000). */
  headTimeoutMs?: number;
}

/** Limits on what clients can hold: connections, request head size, time. */
const MAX_CONNECTIONS = 256;
const MAX_HEAD = 8 * 1024;
const TIMEOUT_MS = 10_000;

const REASON: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error' };

/** Listens on `addr`; resolves once listening, rejects with ABP_METRICS_LISTEN when it cannot. */
export async function serveMetrics(registry: Registry, addr: ListenAddress, opts: ServeOptions = {}): Promise<MetricsServer> {
  // Single flight: scrapes arriving together share one serialisation.
  let inFlight: Promise<string> | null = null;
  const exposition = (): Promise<string> => {
    inFlight ??= registry.metrics().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
  const answer = (socket: Socket, status: number, body: string, head: boolean, extra: Record<string, string> = {}): void => {
    const type = status === 200 ? registry.contentType : 'text/plain; charset=utf-8';
    let h = `HTTP/1.1 ${status} ${REASON[status]}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n`;
    for (const [k, v] of Object.entries(extra)) h += `${k}: ${v}\r\n`;
    // Closed once the answer is handed to the kernel: the client is not read
    // from again, so the connection must not wait for it to hang up.
    socket.end(h + '\r\n' + (head ? '' : body), () => socket.destroy());
  };
  // One request per connection, read by hand rather than by node:http: a
  // client that pipelines thousands of requests in one packet would otherwise
  // have node parse (and answer) every one on the sampling loop's thread.
  // Here everything after the first request's head is never parsed.
  const onConnection = (socket: Socket): void => {
    socket.on('error', () => undefined);
    // A client that sends nothing, or never reads the answer, is cut off.
    socket.setTimeout(opts.idleTimeoutMs ?? TIMEOUT_MS, () => socket.destroy());
    // ...and so is one that trickles its request a byte at a time to hold a slot.
    const headTimer = setTimeout(() => socket.destroy(), opts.headTimeoutMs ?? TIMEOUT_MS);
    headTimer.unref();
    socket.once('close', () => clearTimeout(headTimer));
    let buffered: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0 && buffered.length <= MAX_HEAD) return;
      socket.off('data', onData);
      socket.pause();
      clearTimeout(headTimer);
      if (end < 0 || end > MAX_HEAD) return answer(socket, 431, 'Request head too large\n', false);
      const line = /^([A-Z]{1,16}) (\S{1,2048}) HTTP\/1\.[01]\r\n/.exec(buffered.toString('latin1', 0, end + 2));
      if (!line) return answer(socket, 400, 'Bad request\n', false);
      const [, method, target] = line;
      const head = method === 'HEAD';
      if (target.split('?')[0] !== '/metrics') return answer(socket, 404, 'Not found: only /metrics is served here\n', head);
      if (method !== 'GET' && !head) return answer(socket, 405, 'Method not allowed\n', false, { Allow: 'GET, HEAD' });
      exposition().then(
        (body) => answer(socket, 200, body, head),
        (err: Error) => {
          opts.onError?.(err);
          answer(socket, 500, 'metrics failed\n', head);
        },
      );
    };
    socket.on('data', onData);
  };
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  server.maxConnections = MAX_CONNECTIONS;
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
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}
