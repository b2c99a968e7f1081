import * as net from 'node:net';
import { invalidOption } from '../policy/errors.js';
import { firstRecord, listenOnLoopback, track } from './loopback.js';
import { fallbackScsv, forceTls11, stripTls13, tamperServerHello } from '../support/tls-records.js';

/** The on-path attacks the proxy can perform on a handshake. */
export type DowngradeAttack = 'strip-tls13' | 'force-tls11' | 'fallback-scsv' | 'tamper-server-hello';
export const DOWNGRADE_ATTACKS: readonly DowngradeAttack[] = Object.freeze([
  'strip-tls13',
  'force-tls11',
  'fallback-scsv',
  'tamper-server-hello',
]);

export interface DowngradeProxyOptions {
  /** Where to relay to: a port on 127.0.0.1, or `{ host, port }`. */
  target: number | { host?: string; port: number };
  attack: DowngradeAttack;
}

export interface DowngradeProxy {
  /** Point the client here (with the target server's `lookup`, so names still verify). */
  readonly port: number;
  /** Handshakes the attack actually changed: an attack that found nothing to change is no test. */
  readonly attacked: number;
  /** Connections relayed. */
  readonly connections: number;
  close(): Promise<void>;
}

const CLIENT_SIDE = { 'strip-tls13': stripTls13, 'force-tls11': forceTls11, 'fallback-scsv': fallbackScsv } as const;

/**
 * A loopback TCP relay that attacks the handshake on the path, as a real attacker would:
 * - `strip-tls13` removes TLS 1.3 from the ClientHello (the RFC 8446 sentinel must catch it);
 * - `force-tls11` presents a TLS 1.1 ClientHello (the client's floor must refuse the answer);
 * - `fallback-scsv` strips TLS 1.3 and adds TLS_FALLBACK_SCSV (RFC 7507: the server refuses);
 * - `tamper-server-hello` flips a bit of ServerHello.random (the transcript must catch it).
 * Everything after the attacked record is relayed untouched.
 */
export async function startDowngradeProxy(options: DowngradeProxyOptions): Promise<DowngradeProxy> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', '{ target, attack }', options);
  const { attack } = options;
  if (!DOWNGRADE_ATTACKS.includes(attack))
    throw invalidOption('options.attack', `one of ${DOWNGRADE_ATTACKS.map((a) => `'${a}'`).join(', ')}`, attack);
  const target =
    typeof options.target === 'number'
      ? { host: '127.0.0.1', port: options.target }
      : { host: options.target?.host ?? '127.0.0.1', port: options.target?.port };
  if (typeof target.port !== 'number' || !Number.isInteger(target.port))
    throw invalidOption('options.target', 'a port number or { host, port }', options.target);
  const state = { attacked: 0, connections: 0 };
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    state.connections += 1;
    const upstream = net.connect(target.port as number, target.host);
    track(sockets, upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    const relay = (from: net.Socket, to: net.Socket, record: Buffer, rewrite?: (r: Buffer) => Buffer | undefined): void => {
      const changed = rewrite?.(record);
      if (changed !== undefined) state.attacked += 1;
      to.write(changed ?? record);
      from.pipe(to);
      from.resume();
    };
    if (attack === 'tamper-server-hello') {
      client.pipe(upstream);
      firstRecord(upstream, (record) => relay(upstream, client, record, tamperServerHello));
    } else {
      upstream.pipe(client);
      firstRecord(client, (record) => relay(client, upstream, record, CLIENT_SIDE[attack]));
    }
  });
  const listening = await listenOnLoopback(server, sockets);
  return {
    port: listening.port,
    get attacked() {
      return state.attacked;
    },
    get connections() {
      return state.connections;
    },
    close: listening.close,
  };
}
