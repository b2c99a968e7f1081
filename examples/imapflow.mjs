// imapflow STARTTLS with a policy transport. Run: npm run build && node examples/imapflow.mjs
import * as net from 'node:net';
import { ImapFlow } from 'imapflow';
import { createTlsPolicy } from 'm365-tls-policy';
import { ca, startLocalMail, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
const transport = {
  connect: (o, onConnect) =>
    o.secure
      ? policy.tlsConnect({ ...o.tls, host: o.host, port: o.port, servername: o.servername }, onConnect)
      : net.connect({ host: o.host, port: o.port }, onConnect),
  upgrade: (socket, o, onSecure) => policy.tlsConnect({ ...o.tls, socket, host: o.host, servername: o.servername }, onSecure),
};
await tryLegacyAndModern(
  'imapflow',
  policy,
  async (port) => {
    const client = new ImapFlow({
      host: '127.0.0.1', // stands in for outlook.office365.com; servername carries the name
      servername: 'outlook.office365.com',
      port,
      secure: false,
      doSTARTTLS: true, // STARTTLS or nothing
      auth: { user: 'adele@contoso.example', pass: 'example' },
      tls: policy.tlsOptions('outlook.office365.com', { ca }),
      transport,
      logger: false,
    });
    await client.connect();
    await client.logout();
    return 'logged in after a verified upgrade';
  },
  (version) => startLocalMail('imap', version),
);
