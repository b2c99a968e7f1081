import assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { createTlsPolicy, type TlsPolicy } from '../src/index.js';
import { findTlsPolicyError as findPolicyError } from '../src/testing/index.js';
import { recordEvents } from './helpers/events.js';
import { CA } from './helpers/fixtures.js';
import { startImapServer } from './helpers/imap-server.js';
import type { Version } from './helpers/tls-server.js';

// imapflow's `transport` option lets the policy make both the plain connection and the
// STARTTLS upgrade: policy.tlsConnect verifies the upgraded socket before imapflow sends
// LOGIN. Exactly the recipe in docs/clients/imapflow.md.
function policyTransport(policy: TlsPolicy) {
  return {
    connect: (o: { host: string; port: number; secure: boolean; servername?: string; tls?: object }, onConnect: () => void) =>
      o.secure
        ? policy.tlsConnect({ ...o.tls, host: o.host, port: o.port, servername: o.servername }, onConnect)
        : net.connect({ host: o.host, port: o.port }, onConnect),
    upgrade: (socket: net.Socket, o: { host: string; servername?: string; tls?: object }, onSecure: () => void) =>
      policy.tlsConnect({ ...o.tls, socket, host: o.host, servername: o.servername }, onSecure),
  };
}

function client(port: number, policy: TlsPolicy): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    doSTARTTLS: true, // never continue in clear text
    servername: 'outlook.office365.com',
    auth: { user: 'adele@contoso.example', pass: 'IMAP-PASSWORD-SECRET' },
    tls: policy.tlsOptions('outlook.office365.com', { ca: CA }),
    transport: policyTransport(policy) as never,
    logger: false,
  });
}

describe('imapflow STARTTLS with the policy transport', () => {
  for (const version of ['TLSv1', 'TLSv1.1'] as Version[]) {
    it(`refuses an upgrade to ${version} before LOGIN: a TlsPolicyError, zero bytes after the upgrade`, async () => {
      const server = await startImapServer([version]);
      try {
        const policy = createTlsPolicy();
        const events = recordEvents(policy);
        const error = await client(server.port, policy)
          .connect()
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        assert.ok(error, 'connect must fail');
        assert.equal(findPolicyError(error)?.code ?? (error as { code?: string }).code, 'ERR_TLS_POLICY_VERSION', String(error));
        assert.deepEqual(
          events.violations.map((v) => v.kind),
          ['legacy-server'],
        );
        assert.equal(server.bytesAfterUpgrade, 0);
        assert.ok(!server.clearCommands.some((c) => /LOGIN|AUTHENTICATE/iu.test(c)), 'no credentials in clear text');
      } finally {
        await server.close();
      }
    });
  }

  it('logs in over TLS 1.3 after a verified upgrade', async () => {
    const server = await startImapServer(['TLSv1.2', 'TLSv1.3']);
    try {
      const policy = createTlsPolicy();
      const events = recordEvents(policy);
      const imap = client(server.port, policy);
      await imap.connect();
      assert.deepEqual(server.upgrades, ['TLSv1.3']);
      assert.deepEqual(
        events.secure.map((e) => [e.host, e.protocol]),
        [['outlook.office365.com', 'TLSv1.3']],
      );
      assert.ok(!server.clearCommands.some((c) => /LOGIN|AUTHENTICATE/iu.test(c)));
      await imap.logout();
    } finally {
      await server.close();
    }
  });
});
