import * as net from 'node:net';
import * as tls from 'node:tls';
import { invalidOption } from '../policy/errors.js';
import { normalizeHost } from '../policy/host-names.js';

/** A proxy to tunnel through with HTTP CONNECT. */
export interface ProxyTarget {
  readonly url: URL;
  /** `Basic ...` from the URL's userinfo; sent, never logged or put in an error message. */
  readonly authorization: string | undefined;
}

/** `proxy` as the agent and the dispatcher accept it: a URL, or `true` for HTTPS_PROXY/NO_PROXY. */
export type ProxyOption = string | URL | true | undefined;

/** Validates a proxy option at creation; `true` is resolved per connection from the environment. */
export function parseProxyOption(value: unknown, path = 'options.proxy'): ProxyOption {
  if (value === undefined || value === true) return value;
  if (typeof value !== 'string' && !(value instanceof URL)) throw invalidOption(path, "a proxy URL ('http://proxy:3128') or true", value);
  toTarget(value, path);
  return value;
}

function toTarget(value: string | URL, path: string): ProxyTarget {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalidOption(path, "a proxy URL ('http://proxy:3128') or true", '(a malformed URL)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidOption(path, 'an http: or https: proxy URL', url.protocol);
  const user = decodeURIComponent(url.username);
  const authorization =
    user || url.password ? `Basic ${Buffer.from(`${user}:${decodeURIComponent(url.password)}`).toString('base64')}` : undefined;
  return { url, authorization };
}

/** The proxy to use for one connection, or undefined to connect directly. */
export function proxyFor(option: ProxyOption, host: string, port: number): ProxyTarget | undefined {
  if (option === undefined) return undefined;
  if (option !== true) return toTarget(option, 'options.proxy');
  const env = process.env['HTTPS_PROXY'] ?? process.env['https_proxy'];
  if (env === undefined || env === '' || bypassedByNoProxy(host, port)) return undefined;
  return toTarget(env, 'HTTPS_PROXY');
}

/** NO_PROXY as curl and most clients read it: `*`, or names (a leading dot optional) and IPs, with optional ports. */
function bypassedByNoProxy(host: string, port: number): boolean {
  const list = process.env['NO_PROXY'] ?? process.env['no_proxy'];
  if (list === undefined || list.trim() === '') return false;
  const target = normalizeHost(host);
  if (target.kind === 'unknown') return false; // cannot tell: keep the proxy, as configured
  for (const raw of list.split(/[,\s]+/u)) {
    if (raw === '') continue;
    if (raw === '*') return true;
    const match = /^(.*?)(?::(\d+))?$/u.exec(raw.startsWith('[') ? raw.replace(/^\[(.*)\]/u, '$1') : raw);
    const entryHost = (match?.[1] ?? raw).replace(/^\*?\./u, '');
    if (match?.[2] !== undefined && Number(match[2]) !== port) continue;
    const entry = normalizeHost(entryHost);
    if (entry.kind === 'unknown') continue;
    if (target.name === entry.name || (target.kind === 'name' && target.name.endsWith(`.${entry.name}`))) return true;
  }
  return false;
}

export interface TunnelOptions {
  /** TLS options for an https: proxy (the proxy hop only). */
  readonly proxyTls?: tls.ConnectionOptions | undefined;
  readonly timeout?: number | undefined;
}

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
    if (options.timeout)
      socket.setTimeout(options.timeout, () => fail(tunnelError(`proxy ${proxy.url.host} did not answer CONNECT in time`, 'ETIMEDOUT')));
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
