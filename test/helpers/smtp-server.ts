import * as net from 'node:net';
import * as tls from 'node:tls';
import { CERTS } from './fixtures.js';
import type { Version } from './tls-server.js';

/** A minimal SMTP server with STARTTLS that upgrades only to the given TLS versions. */
export interface SmtpServer {
  port: number;
  /** Protocol of each completed upgrade. */
  upgrades: string[];
  /** Commands received in clear text, before any upgrade (AUTH must never be one of them). */
  clearCommands: string[];
  /** Application bytes received after an upgrade. */
  bytesAfterUpgrade: number;
  /** Messages accepted (DATA bodies). */
  messages: string[];
  close(): Promise<void>;
}

const ORDER: Version[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export async function startSmtpServer(versions: Version[]): Promise<SmtpServer> {
  const sorted = [...versions].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  const state = { upgrades: [] as string[], clearCommands: [] as string[], bytesAfterUpgrade: 0, messages: [] as string[] };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => {});
    serve(raw, false);
    raw.write('220 smtp.office365.com Microsoft ESMTP MAIL Service ready\r\n');
  });

  function serve(socket: net.Socket, secure: boolean): void {
    let buffer = '';
    let inData = false;
    const onData = (chunk: Buffer): void => {
      if (secure) state.bytesAfterUpgrade += chunk.length;
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            state.messages.push('message');
            socket.write('250 2.6.0 Queued mail for delivery\r\n');
          }
          continue;
        }
        if (!secure) state.clearCommands.push(line.split(' ')[0]!.toUpperCase());
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') socket.write(`250-smtp.office365.com Hello\r\n${secure ? '250-AUTH LOGIN PLAIN\r\n' : '250-STARTTLS\r\n'}250 SIZE 157286400\r\n`);
        else if (verb === 'STARTTLS' && !secure) {
          socket.off('data', onData);
          socket.write('220 2.0.0 SMTP server ready\r\n');
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
        } else if (verb === 'AUTH') socket.write('235 2.7.0 Authentication successful\r\n');
        else if (verb === 'MAIL' || verb === 'RCPT') socket.write('250 2.1.0 OK\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 Start mail input; end with <CRLF>.<CRLF>\r\n');
        } else if (verb === 'QUIT') socket.end('221 2.0.0 Service closing transmission channel\r\n');
        else socket.write('500 5.3.3 Unrecognized command\r\n');
      }
    };
    socket.on('data', onData);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}
