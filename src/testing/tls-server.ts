import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP, type Socket } from 'node:net';
import type * as tls from 'node:tls';
import { invalidOption } from '../policy/errors.js';
import { createTlsPolicy } from '../tls-policy.js';
import { normalizeHost } from '../policy/host-names.js';
import { issueTestCertificate, MICROSOFT_365_NAMES, OTHER_NAMES, TESTING_CA, type TestKeyType } from './certificates.js';
import { listenOnLoopback, track } from './loopback.js';

export type TlsVersionName = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const ORDER: readonly TlsVersionName[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export interface TestTlsServerOptions {
  /** The versions the server accepts (lowest to highest is used). Default: TLS 1.2 and 1.3. */
  versions?: readonly TlsVersionName[];
  /**
   * The names (and IP addresses) it poses as. Default `['graph.microsoft.com']`. Any names: a
   * certificate is made for them when the standard ones do not cover them.
   */
  hostnames?: readonly string[];
  /** TLS 1.2-and-below suites it offers (OpenSSL syntax). Default: anything, legacy included. */
  ciphers?: string;
  /** Answers requests. Default: `200 ok <protocol>`. */
  handler?: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * Which test certificate to present: `'microsoft365'` (every Microsoft 365 pattern), `'other'`
   * (no Microsoft 365 name), or `'exact'` (made for `hostnames` only). Default: `'microsoft365'`
   * when any hostname is a Microsoft 365 name, else `'other'`, and `'exact'` when that one does
   * not cover every hostname.
   */
  certificate?: 'microsoft365' | 'other' | 'exact';
  /**
   * The certificate's key: `'ec'` (fast) or `'rsa'` (RSA 2048, needed for RSA key-exchange suites
   * such as `AES128-SHA`; made once per process, in about a second). Default: `'rsa'` when
   * `ciphers` is given (custom suites are most often legacy RSA ones), else `'ec'`.
   */
  key?: TestKeyType;
}

/** One request the server answered. */
export interface RecordedRequest {
  readonly method: string;
  /** The path without its query string (tests should not keep secrets around either). */
  readonly path: string;
  readonly protocol: string;
  readonly cipher: string;
  readonly servername: string | undefined;
}

export interface TestTlsServer {
  readonly port: number;
  /** `https://<first hostname>:<port><path>` */
  url(path?: string): string;
  /** The test CA (PEM) to trust in the client. */
  readonly ca: string;
  /** A `lookup` that resolves the server's hostnames to 127.0.0.1 (other names as usual). */
  readonly lookup: LookupFunction;
  readonly hostnames: readonly string[];
  readonly requests: readonly RecordedRequest[];
  /** TLS handshakes completed. */
  readonly connections: number;
  /** Application bytes received after handshakes: 0 proves a refused client sent nothing. */
  readonly bytesReceived: number;
  close(): Promise<void>;
}

/**
 * A loopback HTTPS server posing as Microsoft 365 hosts, speaking only the TLS versions asked
 * for. Legacy versions work under OpenSSL 3 because security level 0 is set on this server
 * only. Its certificate chains to {@link TESTING_CA}: clients verify it for real.
 */
export async function startTlsServer(options: TestTlsServerOptions = {}): Promise<TestTlsServer> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  const versions = [...(options.versions ?? ['TLSv1.2', 'TLSv1.3'])].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  if (versions.length === 0 || versions.some((v) => !ORDER.includes(v)))
    throw invalidOption('options.versions', `TLS versions among ${ORDER.join(', ')}`, options.versions);
  const hostnames = (options.hostnames ?? ['graph.microsoft.com']).map((h) => {
    const n = normalizeHost(h);
    if (n.kind === 'unknown') throw invalidOption('options.hostnames', 'host names', h);
    return n.name;
  });
  if (options.key !== undefined && options.key !== 'ec' && options.key !== 'rsa')
    throw invalidOption('options.key', "'ec' or 'rsa'", options.key);
  if (options.certificate !== undefined && !['microsoft365', 'other', 'exact'].includes(options.certificate)) {
    throw invalidOption('options.certificate', "'microsoft365', 'other' or 'exact'", options.certificate);
  }
  const standard = hostnames.some((h) => createTlsPolicy().appliesTo(h)) ? MICROSOFT_365_NAMES : OTHER_NAMES;
  const chosen = options.certificate ?? (hostnames.every((h) => covers(standard, h)) ? undefined : 'exact');
  const certNames =
    chosen === 'exact' ? hostnames : chosen === 'microsoft365' ? MICROSOFT_365_NAMES : chosen === 'other' ? OTHER_NAMES : standard;
  const uncovered = hostnames.find((h) => !covers(certNames, h));
  if (uncovered !== undefined)
    throw invalidOption('options.hostnames', `names covered by the '${chosen}' test certificate (or certificate: 'exact')`, uncovered);
  const leaf = issueTestCertificate(certNames, options.key ?? (options.ciphers === undefined ? 'ec' : 'rsa'));

  const state = { connections: 0, bytesReceived: 0, requests: [] as RecordedRequest[] };
  const sockets = new Set<Socket>();
  const server = https.createServer(
    { ...leaf, minVersion: versions[0], maxVersion: versions[versions.length - 1], ciphers: options.ciphers ?? 'DEFAULT:@SECLEVEL=0' },
    (req, res) => {
      const socket = req.socket as tls.TLSSocket;
      state.requests.push({
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        protocol: socket.getProtocol() ?? 'unknown',
        cipher: socket.getCipher()?.name ?? 'unknown',
        servername: (socket as tls.TLSSocket & { servername?: string | false }).servername || undefined,
      });
      if (options.handler) return options.handler(req, res);
      req.resume();
      req.on('end', () => res.end(`ok ${socket.getProtocol()}`));
    },
  );
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    state.connections += 1;
    track(sockets, socket);
    socket.on('data', (chunk: Buffer) => (state.bytesReceived += chunk.length));
  });
  server.on('tlsClientError', () => {});
  const listening = await listenOnLoopback(server, sockets);
  const names = new Set(hostnames);
  // The module object, read at call time (as net does), so other names resolve exactly as
  // they would without this lookup, test doubles of dns.lookup included.
  const dns = (await import('node:dns')).default;
  const lookup = ((host: string, opts: unknown, callback?: unknown) => {
    const cb = (typeof opts === 'function' ? opts : callback) as (...args: unknown[]) => void;
    const o = (typeof opts === 'object' && opts !== null ? opts : {}) as { all?: boolean };
    if (!names.has(host.toLowerCase())) return dns.lookup(host, o as never, cb as never);
    if (o.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  }) as LookupFunction;

  return {
    port: listening.port,
    url: (path = '/') => `https://${hostnames[0]}:${listening.port}${path.startsWith('/') ? path : `/${path}`}`,
    ca: TESTING_CA,
    lookup,
    hostnames,
    get requests() {
      return state.requests;
    },
    get connections() {
      return state.connections;
    },
    get bytesReceived() {
      return state.bytesReceived;
    },
    close: () => {
      server.closeAllConnections();
      return listening.close();
    },
  };
}

/** Does a certificate for these names cover this host (a `*.x` name covers one label under x)? */
function covers(names: readonly string[], given: string): boolean {
  const host = given.startsWith('[') && given.endsWith(']') ? given.slice(1, -1) : given;
  if (isIP(host) !== 0) return names.includes(host) || names.includes(given);
  return names.some(
    (n) => n === host || (n.startsWith('*.') && host.endsWith(n.slice(1)) && !host.slice(0, -(n.length - 1)).includes('.')),
  );
}
