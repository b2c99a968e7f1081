import type { IncomingMessage, ServerResponse } from 'node:http';
import { startTlsServer as startKitServer, type TlsVersionName } from '../../src/testing/index.js';

// Our suite's servers are the testing kit's own: the tool users get is the tool we test with.
export type Version = TlsVersionName;

export interface ServerOptions {
  versions: Version[];
  /** 'm365' (default) names Microsoft 365 hosts; 'other' names none. */
  cert?: 'm365' | 'other';
  /** The names it poses as, instead of graph.microsoft.com (the kit picks a certificate covering them). */
  hostnames?: string[];
  ciphers?: string;
  /** The certificate key: 'ec' (default) or 'rsa' (for RSA key-exchange suites such as AES128-SHA). */
  key?: 'ec' | 'rsa';
  /** Answers requests instead of the default `ok <protocol>`; gets the request body. */
  handler?: (req: IncomingMessage, res: ServerResponse, body: string) => void;
}

export interface TestServer {
  port: number;
  readonly connections: number;
  readonly bytesReceived: number;
  /** Negotiated protocol of each request served. */
  readonly protocols: string[];
  close(): Promise<void>;
}

export async function startTlsServer(options: ServerOptions): Promise<TestServer> {
  const { handler } = options;
  const server = await startKitServer({
    versions: options.versions,
    ...(options.hostnames === undefined
      ? {
          certificate: options.cert === 'other' ? ('other' as const) : ('microsoft365' as const),
          hostnames: options.cert === 'other' ? ['api.example.test'] : ['graph.microsoft.com'],
        }
      : { hostnames: options.hostnames }),
    ...(options.ciphers === undefined ? {} : { ciphers: options.ciphers }),
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(handler === undefined
      ? {}
      : {
          handler: (req, res) => {
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => handler(req, res, Buffer.concat(chunks).toString()));
          },
        }),
  });
  return {
    port: server.port,
    get connections() {
      return server.connections;
    },
    get bytesReceived() {
      return server.bytesReceived;
    },
    get protocols() {
      return server.requests.map((r) => r.protocol);
    },
    close: () => server.close(),
  };
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
