// Loopback TLS servers for the benchmark, in their own process so that serving does not
// compete with the measured client in one event loop. Prints their ports as one JSON line.
import { startTlsServer } from 'm365-tls-policy/testing';

const handler = (req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
};
// RSA 2048 certificates, as Microsoft 365 front ends present: the cost of a full handshake
// (the server's signature, the client's verification) is what resumption saves.
const tls13 = await startTlsServer({ versions: ['TLSv1.3'], handler, key: 'rsa' });
const tls12 = await startTlsServer({ versions: ['TLSv1.2'], handler, key: 'rsa' });
// Both versions and every suite the kit serves: the target the probe and sslscan scan.
const both = await startTlsServer({ versions: ['TLSv1.2', 'TLSv1.3'], handler, key: 'rsa' });
process.stdout.write(`${JSON.stringify({ tls13: tls13.port, tls12: tls12.port, both: both.port, ca: tls13.ca })}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
