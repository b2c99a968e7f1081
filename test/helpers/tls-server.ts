import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type * as tls from 'node:tls';
import { CERTS } from './fixtures.js';

export type Version = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const ORDER: Version[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export interface ServerOptions {
  /** Versions the server accepts (a contiguous range is used: lowest to highest). */
  versions: Version[];
  cert?: keyof typeof CERTS;
  /** TLS 1.2-and-below suites the server offers; legacy-friendly by default. */
  ciphers?: string;
  /** Answers requests instead of the default `ok <protocol>`. */
  handler?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => void;
}

export interface TestServer {
  port: number;
  /** TLS connections accepted (handshake completed). */
  connections: number;
  /** Application bytes received after handshakes, over all connections. */
  bytesReceived: number;
  /** Raw application data received, to look for leaked secrets. */
  received: Buffer[];
  /** Negotiated protocol of each request served. */
  protocols: string[];
  close(): Promise<void>;
}

/**
 * A loopback HTTPS server that speaks only the given TLS versions. Legacy versions need
 * OpenSSL security level 0 under OpenSSL 3; it is set on the server only. Responds with
 * `ok <protocol>`.
 */
export async function startTlsServer(options: ServerOptions): Promise<TestServer> {
  const sorted = [...options.versions].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  const state = { connections: 0, bytesReceived: 0, received: [] as Buffer[], protocols: [] as string[] };
  const sockets = new Set<tls.TLSSocket>();
  const server = https.createServer(
    {
      ...CERTS[options.cert ?? 'm365'],
      minVersion: sorted[0],
      maxVersion: sorted[sorted.length - 1],
      ciphers: options.ciphers ?? 'DEFAULT:@SECLEVEL=0',
    },
    (req, res) => {
      const protocol = (req.socket as tls.TLSSocket).getProtocol() ?? 'none';
      state.protocols.push(protocol);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => (options.handler ? options.handler(req, res, Buffer.concat(chunks).toString()) : res.end(`ok ${protocol}`)));
    },
  );
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      state.bytesReceived += chunk.length;
      state.received.push(chunk);
    });
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** Starts one server per entry and closes them all at the end of the test. */
export async function withServers<T>(list: ServerOptions[], run: (servers: TestServer[]) => Promise<T>): Promise<T> {
  const servers = await Promise.all(list.map((o) => startTlsServer(o)));
  try {
    return await run(servers);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}
