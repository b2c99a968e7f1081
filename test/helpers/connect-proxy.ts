import * as net from 'node:net';
import { listenOnLoopback, track } from '../../src/testing/loopback.js';

/** A CONNECT-only HTTP proxy on loopback that records what it was asked and what it relayed. */
export interface ConnectProxy {
  port: number;
  url: string;
  /** Request lines it received, e.g. `CONNECT graph.microsoft.com:443 HTTP/1.1`. */
  requests: string[];
  /** Proxy-Authorization headers it received. */
  authorizations: string[];
  /** First byte of what the client sent through each tunnel (0x16 = a TLS handshake record). */
  firstTunnelBytes: number[];
  close(): Promise<void>;
}

/**
 * Every tunnel goes to 127.0.0.1 (the test servers), whatever host the CONNECT names, so the
 * origin keeps its Microsoft 365 name for SNI and certificate checks. `requireAuth` answers
 * 407 without the expected credentials.
 */
export async function startConnectProxy(requireAuth?: string): Promise<ConnectProxy> {
  const state = { requests: [] as string[], authorizations: [] as string[], firstTunnelBytes: [] as number[] };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      client.off('data', onData);
      const [requestLine = '', ...headers] = head.subarray(0, end).toString('latin1').split('\r\n');
      state.requests.push(requestLine);
      const auth = headers.find((h) => /^proxy-authorization:/iu.test(h))?.replace(/^[^:]+:\s*/u, '');
      if (auth !== undefined) state.authorizations.push(auth);
      const target = /^CONNECT [^\s]+:(\d+) HTTP\/1\.1$/u.exec(requestLine);
      if (!target) return void client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      if (requireAuth !== undefined && auth !== requireAuth) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      const upstream = net.connect(Number(target[1]), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length > 0) upstream.write(rest);
        client.once('data', (first: Buffer) => state.firstTunnelBytes.push(first[0] ?? -1));
        client.pipe(upstream);
        upstream.pipe(client);
      });
      track(sockets, upstream);
      upstream.on('close', () => client.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  const listening = await listenOnLoopback(server, sockets);
  return Object.assign(state, listening, { url: `http://127.0.0.1:${listening.port}` });
}

/**
 * The runner's environment without any proxy setting (the variables in both cases, Node's env
 * proxy switch, NODE_OPTIONS), for a child process whose case sets exactly what it tests.
 */
export function envWithoutProxySettings(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of [
    'HTTPS_PROXY',
    'https_proxy',
    'HTTP_PROXY',
    'http_proxy',
    'NO_PROXY',
    'no_proxy',
    'NODE_USE_ENV_PROXY',
    'NODE_OPTIONS',
  ])
    delete env[name];
  return env;
}
