import type * as net from 'node:net';
import type { StartTlsProtocol } from './types.js';

// The clear-text part of SMTP (RFC 3207), IMAP (RFC 3501 6.2.1) and POP3 (RFC 2595 4): wait
// for the greeting, ask to start TLS, wait for the go-ahead. Nothing else is sent: no
// credentials, no mail. The server's words only reach the report through `printable`.

/** Port -> protocol when `--starttls` is not given: the ports where mail speaks clear text first. */
export const STARTTLS_PORTS: Readonly<Record<number, StartTlsProtocol>> = Object.freeze({
  25: 'smtp',
  587: 'smtp',
  143: 'imap',
  110: 'pop3',
});

/** A STARTTLS dialogue that did not end in a go-ahead. */
export class StartTlsError extends Error {
  constructor(
    readonly code: 'ERR_STARTTLS_REFUSED' | 'ERR_STARTTLS_CLOSED',
    message: string,
  ) {
    super(message);
  }
}

interface Step {
  /** Sent first (nothing for the greeting). */
  readonly send?: string;
  /** Is this line the last of the reply? */
  readonly final: (line: string) => boolean;
  /** Does the whole reply let us go on? */
  readonly ok: (lines: readonly string[]) => boolean;
}

const smtpFinal = (line: string): boolean => /^\d{3}(?: |$)/u.test(line);
const SCRIPTS: Readonly<Record<StartTlsProtocol, readonly Step[]>> = {
  smtp: [
    { final: smtpFinal, ok: (r) => r.at(-1)?.startsWith('220') === true },
    {
      send: 'EHLO m365-tls-policy-probe',
      final: smtpFinal,
      ok: (r) => r.at(-1)?.startsWith('250') === true && r.some((l) => /^250[ -]STARTTLS\b/iu.test(l)),
    },
    { send: 'STARTTLS', final: smtpFinal, ok: (r) => r.at(-1)?.startsWith('220') === true },
  ],
  imap: [
    { final: (l) => l.startsWith('* '), ok: (r) => /^\* OK\b/iu.test(r.at(-1) ?? '') },
    { send: 'p1 STARTTLS', final: (l) => l.startsWith('p1 '), ok: (r) => /^p1 OK\b/iu.test(r.at(-1) ?? '') },
  ],
  pop3: [
    { final: () => true, ok: (r) => r.at(-1)?.startsWith('+OK') === true },
    { send: 'STLS', final: () => true, ok: (r) => r.at(-1)?.startsWith('+OK') === true },
  ],
};

const MAX_REPLY_BYTES = 16 * 1024;

/** Runs the dialogue on a connected socket; resolves when the next byte may be a ClientHello. */
export function startTls(socket: net.Socket, protocol: StartTlsProtocol): Promise<void> {
  const steps = SCRIPTS[protocol];
  return new Promise((resolve, reject) => {
    let step = 0;
    let buffer = '';
    let reply: string[] = [];
    const done = (error?: Error): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onClose = (): void =>
      done(new StartTlsError('ERR_STARTTLS_CLOSED', `the ${protocol.toUpperCase()} server closed the connection before STARTTLS`));
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1');
      if (buffer.length > MAX_REPLY_BYTES) {
        done(new StartTlsError('ERR_STARTTLS_REFUSED', `the ${protocol.toUpperCase()} server's reply is too long`));
        return;
      }
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).replace(/\r$/u, '');
        buffer = buffer.slice(end + 1);
        reply.push(line);
        const current = steps[step];
        if (current === undefined || !current.final(line)) continue;
        if (!current.ok(reply)) {
          const said = (reply.at(-1) ?? '').slice(0, 120);
          done(new StartTlsError('ERR_STARTTLS_REFUSED', `the ${protocol.toUpperCase()} server did not agree to STARTTLS: "${said}"`));
          return;
        }
        reply = [];
        step += 1;
        const next = steps[step];
        if (next === undefined) {
          done();
          return;
        }
        socket.write(`${next.send ?? ''}\r\n`);
      }
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
