import * as net from 'node:net';
import * as tls from 'node:tls';
import { CERTS } from './fixtures.js';
import { listenOnLoopback } from '../../src/testing/loopback.js';
import type { Version } from './tls-server.js';

/** What a line-based protocol does with one line: answer, start TLS, or close. */
export interface Reply {
  send?: string;
  upgrade?: boolean;
  end?: boolean;
}

/** A line protocol (SMTP, IMAP) reduced to a greeting and a function from line to reply. */
export interface LineProtocol {
  greeting: string;
  respond(line: string, secure: boolean): Reply;
}

/** A server for a line protocol with STARTTLS that upgrades only to the given TLS versions. */
export interface StartTlsServer {
  port: number;
  /** Protocol of each completed upgrade. */
  upgrades: string[];
  /** First words of the lines received in clear text, before any upgrade. */
  clearCommands: string[];
  /** Application bytes received after an upgrade. */
  bytesAfterUpgrade: number;
  close(): Promise<void>;
}

const ORDER: Version[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export async function startStartTlsServer(protocol: LineProtocol, versions: Version[]): Promise<StartTlsServer> {
  const sorted = [...versions].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  const state = { upgrades: [] as string[], clearCommands: [] as string[], bytesAfterUpgrade: 0 };
  const sockets = new Set<net.Socket>();

  function serve(socket: net.Socket, secure: boolean): void {
    let buffer = '';
    const onData = (chunk: Buffer): void => {
      if (secure) state.bytesAfterUpgrade += chunk.length;
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!secure) state.clearCommands.push(line);
        const reply = protocol.respond(line, secure);
        if (reply.send !== undefined) socket.write(reply.send);
        if (reply.end) socket.end();
        if (reply.upgrade && !secure) {
          socket.off('data', onData);
          const upgraded = new tls.TLSSocket(socket, {
            isServer: true,
            ...CERTS.m365,
            minVersion: sorted[0],
            maxVersion: sorted[sorted.length - 1],
            ciphers: 'DEFAULT:@SECLEVEL=0',
          });
          upgraded.on('error', () => socket.destroy());
          upgraded.once('secure', () => state.upgrades.push(upgraded.getProtocol() ?? 'none'));
          serve(upgraded, true);
          return;
        }
      }
    };
    socket.on('data', onData);
  }

  const server = net.createServer((raw) => {
    serve(raw, false);
    raw.write(protocol.greeting);
  });
  return Object.assign(state, await listenOnLoopback(server, sockets));
}
