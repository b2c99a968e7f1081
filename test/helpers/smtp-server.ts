import { startStartTlsServer, type LineProtocol, type StartTlsServer } from './starttls-server.js';
import type { Version } from './tls-server.js';

/** Just enough Exchange Online SMTP submission for nodemailer: EHLO, STARTTLS, AUTH, one message. */
export interface SmtpServer extends StartTlsServer {
  messages: string[];
}

export async function startSmtpServer(versions: Version[]): Promise<SmtpServer> {
  const messages: string[] = [];
  let inData = false;
  const smtp: LineProtocol = {
    greeting: '220 smtp.office365.com Microsoft ESMTP MAIL Service ready\r\n',
    respond(line, secure) {
      if (inData) {
        if (line !== '.') return {};
        inData = false;
        messages.push('message');
        return { send: '250 2.6.0 Queued mail for delivery\r\n' };
      }
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'EHLO')
        return {
          send: `250-smtp.office365.com Hello\r\n${secure ? '250-AUTH LOGIN PLAIN\r\n' : '250-STARTTLS\r\n'}250 SIZE 157286400\r\n`,
        };
      if (verb === 'STARTTLS' && !secure) return { send: '220 2.0.0 SMTP server ready\r\n', upgrade: true };
      if (verb === 'AUTH') return { send: '235 2.7.0 Authentication successful\r\n' };
      if (verb === 'MAIL' || verb === 'RCPT') return { send: '250 2.1.0 OK\r\n' };
      if (verb === 'DATA') {
        inData = true;
        return { send: '354 Start mail input; end with <CRLF>.<CRLF>\r\n' };
      }
      if (verb === 'QUIT') return { send: '221 2.0.0 Service closing transmission channel\r\n', end: true };
      return { send: '500 5.3.3 Unrecognized command\r\n' };
    },
  };
  const server = await startStartTlsServer(smtp, versions);
  return Object.assign(server, { messages });
}
