// Regenerates src/testing/certificates.ts: a new throw-away CA (its key is deleted at the end)
// and two leaves valid for 100 years. Needs the openssl command and a build (it reads
// MICROSOFT_365_HOSTS from dist). Only needed when the built-in host list changes:
//   npm run build && node scripts/generate-testing-certificates.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MICROSOFT_365_HOSTS } from 'm365-tls-policy';

const FILE = 'src/testing/certificates.ts';
const SANS = {
  m365: [...MICROSOFT_365_HOSTS.map((h) => `DNS:${h}`), 'DNS:m365-alias.example.test'].join(','),
  other: 'DNS:example.test,DNS:*.example.test,DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1',
};
const work = mkdtempSync(join(tmpdir(), 'm365-tls-policy-certs-'));
const at = (name) => join(work, name);
const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'ignore'] });
try {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    at('ca-key.pem'),
    '-out',
    at('ca.pem'),
    '-days',
    '36500',
    '-subj',
    '/CN=m365-tls-policy testing CA (never trust outside tests)',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  for (const [leaf, san] of Object.entries(SANS)) {
    writeFileSync(
      at(`${leaf}.ext`),
      `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`,
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      at(`${leaf}-key.pem`),
      '-out',
      at(`${leaf}.csr`),
      '-subj',
      `/CN=m365-tls-policy testing ${leaf}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      at(`${leaf}.csr`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca-key.pem'),
      '-CAcreateserial',
      '-out',
      at(`${leaf}.pem`),
      '-days',
      '36500',
      '-sha256',
      '-extfile',
      at(`${leaf}.ext`),
    );
  }
  const pem = (name) => `\`${readFileSync(at(name), 'utf8').trim()}\n\``;
  const text = readFileSync(FILE, 'utf8');
  const header = text.slice(0, text.indexOf('/** The test CA certificate'));
  writeFileSync(
    FILE,
    `${header}/** The test CA certificate (PEM). Trust it explicitly in the clients under test. */
export const TESTING_CA = ${pem('ca.pem')};

export const MICROSOFT_365_LEAF = {
  cert: ${pem('m365.pem')},
  key: ${pem('m365-key.pem')},
};

export const OTHER_LEAF = {
  cert: ${pem('other.pem')},
  key: ${pem('other-key.pem')},
};
`,
  );
  console.log(`wrote ${FILE}`);
} finally {
  rmSync(work, { recursive: true, force: true }); // the CA key goes with it
}
