// Local stand-ins for Microsoft 365, so the examples run offline: HTTPS servers on 127.0.0.1
// that present a test certificate for graph.microsoft.com (signed by the test CA in
// test/fixtures) and speak only the TLS versions asked for. Not part of the package.
import { readFileSync } from 'node:fs';
import * as https from 'node:https';

const fixture = (name) => readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url));

/** The test CA: trust it explicitly, as you would a corporate CA. Never disable verification. */
export const ca = fixture('ca.pem');

/** Sends every host name to 127.0.0.1, keeping the name for SNI and certificate checks. */
export const lookup = (_host, options, callback) =>
  options && options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);

/** Starts a server that only speaks `minVersion`..`maxVersion`; resolves to { port, close }. */
export async function startLocalM365(minVersion, maxVersion = minVersion) {
  const server = https.createServer(
    // Security level 0 lets OpenSSL 3 speak TLS 1.0/1.1 at all: set on this fake server only.
    { cert: fixture('m365.pem'), key: fixture('m365-key.pem'), minVersion, maxVersion, ciphers: 'DEFAULT:@SECLEVEL=0' },
    (req, res) => res.end(JSON.stringify({ displayName: 'Adele Vance', protocol: req.socket.getProtocol() })),
  );
  server.on('tlsClientError', () => {});
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}
