import { startStartTlsServer, type LineProtocol, type StartTlsServer } from './starttls-server.js';
import type { Version } from './tls-server.js';

/** Just enough Exchange Online IMAP for imapflow: CAPABILITY, STARTTLS, LOGIN, and OK to the rest. */
export async function startImapServer(versions: Version[]): Promise<StartTlsServer> {
  const imap: LineProtocol = {
    greeting: '* OK The Microsoft Exchange IMAP4 service is ready.\r\n',
    respond(line, secure) {
      const [tag = '*', command = ''] = line.split(' ');
      switch (command.toUpperCase()) {
        case 'CAPABILITY':
          return {
            send: `* CAPABILITY IMAP4rev1 ${secure ? 'AUTH=PLAIN' : 'STARTTLS LOGINDISABLED'}\r\n${tag} OK CAPABILITY completed.\r\n`,
          };
        case 'STARTTLS':
          return secure ? { send: `${tag} BAD already secure\r\n` } : { send: `${tag} OK Begin TLS negotiation now.\r\n`, upgrade: true };
        case 'LOGIN':
          return { send: `${tag} ${secure ? 'OK LOGIN completed.' : 'NO LOGIN is disabled before STARTTLS.'}\r\n` };
        case 'LOGOUT':
          return { send: `* BYE Microsoft Exchange Server IMAP4 server signing off.\r\n${tag} OK LOGOUT completed.\r\n`, end: true };
        case '':
          return {};
        default:
          return { send: `${tag} OK ${command} completed.\r\n` };
      }
    },
  };
  return startStartTlsServer(imap, versions);
}
