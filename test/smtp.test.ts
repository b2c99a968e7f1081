import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { createTlsPolicy } from '../src/index.js';
import { CA } from './helpers/fixtures.js';
import { startSmtpServer } from './helpers/smtp-server.js';
import type { Version } from './helpers/tls-server.js';

// Exchange Online SMTP AUTH submission, as docs/clients/nodemailer.md shows it. The server is on
// 127.0.0.1; the TLS options carry the Microsoft 365 name for SNI and certificate checks.
function transport(port: number, tlsOptions: object) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: true,
    auth: { user: 'svc@contoso.example', pass: 'SMTP-PASSWORD-SECRET' },
    tls: tlsOptions,
    connectionTimeout: 5000,
  });
}

const MESSAGE = { from: 'svc@contoso.example', to: 'adele@contoso.example', subject: 'hello', text: 'body' };

describe('nodemailer STARTTLS with policy.tlsOptions', () => {
  for (const version of ['TLSv1', 'TLSv1.1'] as Version[]) {
    it(`refuses an upgrade to ${version}: no AUTH, no byte after the upgrade, nothing in clear text`, async () => {
      const server = await startSmtpServer([version]);
      try {
        const policy = createTlsPolicy();
        // What a weakened configuration would ask for; the policy overrides it.
        const tlsOptions = policy.tlsOptions('smtp.office365.com', { ca: CA, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
        const error = await transport(server.port, tlsOptions)
          .sendMail(MESSAGE)
          .then(
            () => undefined,
            (e: Error & { code?: string; originalCode?: string }) => e,
          );
        assert.ok(error, 'sendMail must fail');
        // nodemailer reports socket failures as ESOCKET and keeps Node's code as originalCode.
        assert.deepEqual([error.code, error.originalCode], ['ESOCKET', 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION']);
        assert.deepEqual(server.upgrades, []);
        assert.equal(server.bytesAfterUpgrade, 0);
        assert.deepEqual(
          server.clearCommands.map((c) => c.split(' ')[0]),
          ['EHLO', 'STARTTLS'],
        );
      } finally {
        await server.close();
      }
    });
  }

  for (const version of ['TLSv1.2', 'TLSv1.3'] as Version[]) {
    it(`delivers over ${version}, authenticating only after the upgrade`, async () => {
      const server = await startSmtpServer(['TLSv1.2', version]);
      try {
        const tlsOptions = createTlsPolicy().tlsOptions('smtp.office365.com', { ca: CA });
        const info = await transport(server.port, tlsOptions).sendMail(MESSAGE);
        assert.match(String(info.response), /^250 /u);
        assert.deepEqual(server.upgrades, [version]);
        assert.deepEqual(server.messages, ['message']);
        assert.deepEqual(
          server.clearCommands.map((c) => c.split(' ')[0]),
          ['EHLO', 'STARTTLS'],
        );
      } finally {
        await server.close();
      }
    });
  }

  it('without the policy the same weakened options do upgrade to TLS 1.0 (the test can fail)', async () => {
    const server = await startSmtpServer(['TLSv1']);
    try {
      await transport(server.port, {
        ca: CA,
        servername: 'smtp.office365.com',
        minVersion: 'TLSv1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      }).sendMail(MESSAGE);
      assert.deepEqual(server.upgrades, ['TLSv1']);
    } finally {
      await server.close();
    }
  });
});

describe('policy.tlsConnect for a STARTTLS upgrade (any library that lets you supply the TLS connect)', () => {
  async function startTlsOver(port: number): Promise<import('node:net').Socket> {
    const net = await import('node:net');
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => {
      let seen = '';
      socket.on('data', function onData(chunk: Buffer) {
        seen += chunk.toString();
        if (seen.includes('220 smtp.office365.com') && !seen.includes('EHLO-sent')) {
          seen += 'EHLO-sent';
          socket.write('EHLO client\r\n');
        } else if (seen.includes('250 SIZE') && !seen.includes('STARTTLS-sent')) {
          seen += 'STARTTLS-sent';
          socket.write('STARTTLS\r\n');
        } else if (seen.includes('220 2.0.0')) {
          socket.off('data', onData);
          resolve();
        }
      });
    });
    return socket;
  }

  it('refuses an upgrade to TLS 1.1 with a TlsPolicyError and a violation; verifies a TLS 1.3 upgrade', async () => {
    const { isTlsPolicyError } = await import('../src/index.js');
    const legacy = await startSmtpServer(['TLSv1.1']);
    const modern = await startSmtpServer(['TLSv1.3']);
    try {
      const policy = createTlsPolicy();
      const kinds: string[] = [];
      policy.on('violation', (v) => kinds.push(v.kind));
      let calledBack = 0;
      const refused = policy.tlsConnect(
        { socket: await startTlsOver(legacy.port), host: 'smtp.office365.com', ca: CA },
        () => (calledBack += 1),
      );
      const error = await new Promise<unknown>((resolve) => refused.once('error', resolve));
      assert.ok(isTlsPolicyError(error));
      assert.equal(error.code, 'ERR_TLS_POLICY_VERSION');
      assert.deepEqual(kinds, ['legacy-server']);
      const secure: string[] = [];
      policy.on('secure', (e) => secure.push(e.protocol));
      const upgraded = policy.tlsConnect(
        { socket: await startTlsOver(modern.port), host: 'smtp.office365.com', ca: CA },
        () => (calledBack += 1),
      );
      await new Promise<void>((resolve) => upgraded.once('secureConnect', () => resolve()));
      assert.deepEqual(secure, ['TLSv1.3']);
      assert.equal(calledBack, 1, 'only the connection that passed called back');
      upgraded.destroy();
    } finally {
      await legacy.close();
      await modern.close();
    }
  });
});
