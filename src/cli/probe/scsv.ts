import type * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { appendCipherSuite, TLS_FALLBACK_SCSV } from '../../support/tls-records.js';
import { openTransport, targetOptions } from './connect.js';
import { PROBE_VERSIONS, type ProbeOptions, type ProbeTarget, type ProbeVersion } from './types.js';

// TLS_FALLBACK_SCSV (RFC 7507): a client that retries at a lower version after a failure says
// so with this pseudo-suite, and a server that could have spoken a higher version must answer
// with an inappropriate_fallback alert. Node's client cannot send it, so the probe takes the
// ClientHello Node would send at the lower version, appends the suite, and sends the bytes
// itself; the first record back is the answer. No handshake is completed.

const ALERT = 21;
const HANDSHAKE = 22;
const SERVER_HELLO = 2;
const INAPPROPRIATE_FALLBACK = 86;

/** The bytes of Node's ClientHello for these options, taken off a stream that goes nowhere. */
export function clientHello(options: tls.ConnectionOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        resolve(Buffer.from(chunk));
        callback();
        setImmediate(() => socket.destroy());
      },
    });
    const socket = tls.connect({ ...options, socket: wire as unknown as net.Socket });
    socket.on('error', reject);
  });
}

/**
 * Null when the server accepts one version only (nothing to fall back to) or answers neither
 * way; otherwise whether a fallback to its second-best version is refused.
 */
export async function checkFallbackScsv(t: ProbeTarget, options: ProbeOptions, accepted: readonly ProbeVersion[]): Promise<boolean | null> {
  const ordered = PROBE_VERSIONS.filter((v) => accepted.includes(v));
  const lower = ordered.at(-2);
  if (lower === undefined) return null;
  const { servername } = targetOptions(t, options);
  const hello = await clientHello({
    ...(servername === undefined ? {} : { servername }),
    minVersion: lower,
    maxVersion: lower,
    ciphers: 'ALL:@SECLEVEL=0',
  }).catch(() => undefined);
  const withScsv = hello && appendCipherSuite(hello, TLS_FALLBACK_SCSV);
  if (withScsv === undefined) return null;
  const first = await firstRecord(t, options, withScsv);
  if (first === undefined || first.length < 6) return null;
  if (first[0] === ALERT) return first[6] === INAPPROPRIATE_FALLBACK ? true : null;
  if (first[0] === HANDSHAKE && first[5] === SERVER_HELLO) return false;
  return null;
}

/** Sends the hello and collects the first seven bytes of the answer (a record header and a little more). */
function firstRecord(t: ProbeTarget, options: ProbeOptions, hello: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sockets: net.Socket[] = [];
    let received = Buffer.alloc(0);
    const finish = (value: Buffer | undefined): void => {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(undefined), options.timeoutMs);
    openTransport(t, (s) => sockets.push(s)).then(
      (socket) => {
        socket.on('data', (chunk: Buffer) => {
          received = Buffer.concat([received, chunk]);
          if (received.length >= 7) finish(received.subarray(0, 7));
        });
        socket.once('close', () => finish(received.length > 0 ? received : undefined));
        socket.on('error', () => finish(undefined));
        socket.write(hello);
      },
      () => finish(undefined),
    );
  });
}
