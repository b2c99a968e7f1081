import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ProxyTarget } from '../policy/options.js';

// Which proxy a connection goes through is the planner's decision (engine/plan.ts, routeFor);
// this module only opens the tunnel it names.

export interface TunnelOptions {
  /** TLS options for an https: proxy (the proxy hop only). */
  readonly proxyTls?: tls.ConnectionOptions | undefined;
  readonly timeout?: number | undefined;
}

/** How long a proxy may take to answer CONNECT when the caller set no timeout: undici's connect timeout. */
export const DEFAULT_TUNNEL_TIMEOUT_MS = 10_000;

/**
 * Opens a CONNECT tunnel to `host:port` and resolves with the raw socket, ready for the TLS
 * handshake with the origin: the policy then applies to that handshake, end to end, exactly
 * as without a proxy. The proxy sees only the CONNECT request.
 */
export function openTunnel(proxy: ProxyTarget, host: string, port: number, options: TunnelOptions = {}): Promise<net.Socket> {
  const proxyPort = Number(proxy.url.port) || (proxy.url.protocol === 'https:' ? 443 : 80);
  const proxyHost = proxy.url.hostname.replace(/^\[(.*)\]$/u, '$1');
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket: net.Socket =
      proxy.url.protocol === 'https:'
        ? tls.connect({ servername: net.isIP(proxyHost) ? undefined : proxyHost, ...options.proxyTls, host: proxyHost, port: proxyPort })
        : net.connect({ host: proxyHost, port: proxyPort });
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    // A proxy that accepts and never answers would hang the request forever: undici's own connect
    // timeout starts only once the tunnel is up, and an https.Agent has none. So a default.
    socket.setTimeout(options.timeout || DEFAULT_TUNNEL_TIMEOUT_MS, () =>
      fail(tunnelError(`proxy ${proxy.url.host} did not answer CONNECT in time`, 'ETIMEDOUT')),
    );
    socket.once('error', fail);
    socket.once(proxy.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
      if (proxy.authorization !== undefined) lines.push(`Proxy-Authorization: ${proxy.authorization}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > 16 * 1024) fail(tunnelError(`proxy ${proxy.url.host} sent an oversized CONNECT response`, 'ERR_PROXY_TUNNEL'));
        return;
      }
      socket.off('data', onData);
      socket.off('error', fail);
      socket.setTimeout(0);
      const status = /^HTTP\/1\.[01] (\d{3})/u.exec(head.subarray(0, end).toString('latin1'))?.[1];
      if (status !== '200') {
        fail(
          tunnelError(
            `proxy ${proxy.url.host} refused CONNECT to ${authority} (status ${status ?? 'unreadable'})`,
            'ERR_PROXY_TUNNEL',
            Number(status),
          ),
        );
        return;
      }
      const rest = head.subarray(end + 4);
      socket.pause();
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

function tunnelError(message: string, code: string, statusCode?: number): Error {
  return Object.assign(new Error(message), { code, ...(statusCode ? { statusCode } : {}) });
}
