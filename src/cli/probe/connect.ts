import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { startTls } from './starttls.js';
import type { ProbeOptions, ProbeTarget } from './types.js';

// How the probe reaches a server: a TCP connection (to `--resolve`'s address or the host), the
// STARTTLS dialogue when the target has one, then one handshake and nothing after it.

export interface Handshake {
  ok: boolean;
  code?: string | undefined;
  message?: string | undefined;
  protocol?: string | undefined;
  cipher?: string | undefined;
  standardName?: string | undefined;
  authorized?: boolean | undefined;
  authorizationError?: string | undefined;
  cert?: X509Certificate | undefined;
  /** The presented chain, leaf first, as Node links it (`getPeerCertificate(true)`). */
  chain?: readonly tls.DetailedPeerCertificate[] | undefined;
  keyExchange?: { type?: string; name?: string; size?: number } | undefined;
}

/** Where and as whom to connect: the address (`--resolve`), SNI, and `--ca` added to Node's store. */
export function targetOptions(t: ProbeTarget, options: Pick<ProbeOptions, 'ca'>): tls.ConnectionOptions & { servername?: string } {
  const servername = t.servername ?? (net.isIP(t.host) ? undefined : t.host);
  return {
    host: t.address ?? t.host,
    port: t.port,
    ...(servername === undefined ? {} : { servername }),
    // --ca adds to Node's store: the `ca` option alone would replace it.
    ...(options.ca === undefined ? {} : { ca: [...tls.rootCertificates, String(options.ca)] }),
  };
}

/** A TCP connection to the target, through its STARTTLS dialogue when it has one. */
export async function openTransport(t: ProbeTarget, track: (socket: net.Socket) => void): Promise<net.Socket> {
  const socket = net.connect({ host: t.address ?? t.host, port: t.port });
  track(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (t.starttls !== undefined) await startTls(socket, t.starttls);
  return socket;
}

type Connect = (track: (socket: net.Socket) => void) => tls.TLSSocket | Promise<tls.TLSSocket>;

/**
 * Connects, waits for the handshake's outcome (or the timeout, which covers the TCP connection
 * and any STARTTLS dialogue too), destroys every socket, and reads the outcome.
 */
export function settle<R>(
  connect: Connect,
  timeoutMs: number,
  read: { secure: (socket: tls.TLSSocket) => R; error: (error: Error & { code?: string }) => R; timeout: (message: string) => R },
): Promise<R> {
  return new Promise((resolve) => {
    const sockets: net.Socket[] = [];
    let secure: tls.TLSSocket | undefined;
    let done = false;
    const finish = (result: () => R): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      let value: R;
      try {
        value = result();
      } finally {
        // A TLS socket owns the TCP socket it was started on: destroying that one as well (or
        // first) crashed Node 20 with a segmentation fault. So the TLS socket alone, when there is one.
        if (secure !== undefined) secure.destroy();
        else for (const s of sockets) s.destroy();
      }
      resolve(value);
    };
    const timer = setTimeout(() => finish(() => read.timeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error & { code?: string }): void => finish(() => read.error(error));
    Promise.resolve()
      .then(() => connect((s) => sockets.push(s)))
      .then((socket) => {
        secure = socket;
        if (done) {
          socket.destroy();
          return;
        }
        socket.once('secureConnect', () => finish(() => read.secure(socket)));
        socket.once('error', fail);
      }, fail);
  });
}

/** A connection to the target ready for a handshake: direct, or after STARTTLS on a socket of our own. */
export function connectTls(
  t: ProbeTarget,
  options: Pick<ProbeOptions, 'ca'>,
  tlsOptions: tls.ConnectionOptions,
  connect: (options: tls.ConnectionOptions) => tls.TLSSocket = tls.connect,
): Connect {
  const target = targetOptions(t, options);
  if (t.starttls === undefined) return () => connect({ ...target, ...tlsOptions });
  return async (track) => {
    const socket = await openTransport(t, track);
    return connect({ ...target, ...tlsOptions, socket });
  };
}

/**
 * One handshake and nothing after it: no byte of application data is ever sent. Verification
 * is observed (`authorized`), not enforced, so that an unverifiable certificate can be
 * reported rather than hiding what the server speaks.
 */
export function handshake(t: ProbeTarget, options: ProbeOptions, tlsOptions: tls.ConnectionOptions, details = false): Promise<Handshake> {
  const servername = targetOptions(t, options).servername;
  // Only a handshake whose certificate is read needs the trust store; the suite-by-suite ones
  // skip it, and the others share one context per version (parsing Node's ~140 roots plus --ca
  // for each handshake made a probe with --ca 8 times slower).
  const secureContext = details && options.ca !== undefined ? { secureContext: sharedContext(String(options.ca), tlsOptions) } : {};
  const trust = details ? options : {};
  return settle<Handshake>(connectTls(t, trust, { rejectUnauthorized: false, ...tlsOptions, ...secureContext }), options.timeoutMs, {
    timeout: (message) => ({ ok: false, code: 'ETIMEDOUT', message }),
    secure: (socket) => {
      const cipher = socket.getCipher();
      const base = { ok: true, protocol: socket.getProtocol() ?? undefined, cipher: cipher?.name, standardName: cipher?.standardName };
      if (!details) return base;
      // getPeerCertificate() first: calling getPeerX509Certificate() before it was seen to make
      // Node's checkServerIdentity miss names (Node 20). The X509 object is built from `raw`.
      const peer = socket.getPeerCertificate(true);
      const raw = peer?.raw ? new X509Certificate(peer.raw) : undefined;
      const identity = raw !== undefined && servername !== undefined ? tls.checkServerIdentity(servername, peer) : undefined;
      return {
        ...base,
        authorized: socket.authorized && identity === undefined,
        authorizationError: socket.authorized ? (identity as { code?: string } | undefined)?.code : String(socket.authorizationError),
        ...(raw === undefined ? {} : { cert: raw, chain: presentedChain(peer) }),
        keyExchange: (socket.getEphemeralKeyInfo() ?? undefined) as Handshake['keyExchange'],
      };
    },
    error: (error) => ({ ok: false, code: error.code ?? 'ERROR', message: error.message.split('\n')[0] ?? '' }),
  });
}

const contexts = new Map<string, tls.SecureContext>();
function sharedContext(ca: string, tlsOptions: tls.ConnectionOptions): tls.SecureContext {
  const key = JSON.stringify([ca, tlsOptions.minVersion, tlsOptions.maxVersion, tlsOptions.ciphers]);
  let context = contexts.get(key);
  if (context === undefined) {
    const { minVersion, maxVersion, ciphers } = tlsOptions;
    context = tls.createSecureContext({
      ca: [...tls.rootCertificates, ca],
      ...(minVersion ? { minVersion } : {}),
      ...(maxVersion ? { maxVersion } : {}),
      ...(ciphers ? { ciphers } : {}),
    });
    contexts.set(key, context);
  }
  return context;
}

/** The chain as Node links it, leaf first, stopping where a certificate issues itself or repeats. */
function presentedChain(leaf: tls.DetailedPeerCertificate): tls.DetailedPeerCertificate[] {
  const chain: tls.DetailedPeerCertificate[] = [];
  const seen = new Set<string>();
  for (
    let c: tls.DetailedPeerCertificate | undefined = leaf;
    c?.raw !== undefined && !seen.has(c.fingerprint256);
    c = c.issuerCertificate
  ) {
    seen.add(c.fingerprint256);
    chain.push(c);
  }
  return chain;
}
