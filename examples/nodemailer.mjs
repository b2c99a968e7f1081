// nodemailer STARTTLS with policy.tlsOptions. Run: npm run build && node examples/nodemailer.mjs
import nodemailer from 'nodemailer';
import { createTlsPolicy } from 'm365-tls-policy';
import { ca, startLocalMail, tryLegacyAndModern } from './local-m365.mjs';

const policy = createTlsPolicy();
await tryLegacyAndModern(
  'nodemailer',
  policy,
  async (port) => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', // stands in for smtp.office365.com; the TLS options carry the name
      port,
      requireTLS: true, // STARTTLS or nothing
      auth: { user: 'svc@contoso.example', pass: 'example' },
      tls: policy.tlsOptions('smtp.office365.com', { ca }),
    });
    return (await transport.sendMail({ from: 'svc@contoso.example', to: 'adele@contoso.example', text: 'hi' })).response;
  },
  (version) => startLocalMail('smtp', version),
);
