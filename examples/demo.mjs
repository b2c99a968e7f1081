// The library's main job in a few seconds, offline: local servers pose as Microsoft 365 hosts
// speaking TLS 1.0, 1.1, 1.2, 1.3, and one sits behind an active downgrade attack. Requests go
// through the policy agent (https) and the fetch dispatcher; the violation log is shown, and
// the run ends with the TLS usage report made from its own log records.
// Run: npm run demo
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { format } from 'node:util';
import createDebug from 'debug';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy, isTlsPolicyError } from 'm365-tls-policy';
import { startDowngradeProxy, startTlsServer } from 'm365-tls-policy/testing';

// An application would set DEBUG=m365-tls-policy:*; the demo switches the violation log on
// itself and prints it inline.
createDebug.enable('m365-tls-policy:violation');
createDebug.log = (...args) => console.log(`    log: ${format(...args).replace(/^\S+ m365-tls-policy:violation /u, '')}`);

console.log('Local stand-in servers on 127.0.0.1 pose as Microsoft 365 hosts: no real Microsoft host is contacted.');

// The structured records a service would send to its log pipeline (the `logger` option takes
// pino, winston, bunyan or anything console-like); here they are kept for the report at the end.
const records = [];
const logger = {
  warn: (message, record) => records.push(JSON.stringify({ level: 'warn', message, ...record })),
  info: (message, record) => records.push(JSON.stringify({ level: 'info', message, ...record })),
};

const HOSTS = [
  ['graph.microsoft.com', ['TLSv1']],
  ['outlook.office365.com', ['TLSv1.1']],
  ['login.microsoftonline.com', ['TLSv1.2']],
  ['contoso.sharepoint.com', ['TLSv1.3']],
];
const servers = await Promise.all(HOSTS.map(([host, versions]) => startTlsServer({ hostnames: [host], versions })));
const attacked = await startTlsServer({ hostnames: ['smtp.office365.com'], versions: ['TLSv1.2', 'TLSv1.3'] });
const attacker = await startDowngradeProxy({ target: attacked.port, attack: 'strip-tls13' });
const targets = [
  ...servers.map((s, i) => ({ label: `${HOSTS[i][0]} (${HOSTS[i][1].join('/')} only)`, host: HOSTS[i][0], port: s.port, server: s })),
  { label: 'smtp.office365.com (TLS 1.3, behind a downgrade attack)', host: 'smtp.office365.com', port: attacker.port, server: attacked },
];

// One policy per client here so that both show their log lines: within one policy, repeated
// lines for the same host and kind are rate-limited (one a minute, then `suppressed=N`).
const agent = createHttpsAgent({ policy: createTlsPolicy({ logger, logConnections: true }) });
const ca = attacked.ca;
const lookup = (host, options, cb) => targets.find((t) => t.host === host).server.lookup(host, options, cb);
const dispatcher = createFetchDispatcher({ policy: createTlsPolicy({ logger, logConnections: true }), connect: { ca, lookup } });

const viaHttps = (t) =>
  new Promise((resolve, reject) => {
    https
      .get({ host: t.host, port: t.port, path: '/v1.0/me', agent, ca, lookup, headers: { authorization: 'Bearer demo-token' } }, (res) => {
        const protocol = res.socket.getProtocol();
        res.resume();
        res.on('end', () => resolve(protocol));
      })
      .on('error', reject);
  });
const viaFetch = async (t) => {
  const res = await fetch(`https://${t.host}:${t.port}/v1.0/me`, { dispatcher, headers: { authorization: 'Bearer demo-token' } });
  return (await res.text()).replace(/^ok /u, '');
};

let allowed = 0;
let refused = 0;
for (const [client, call] of [
  ['https agent', viaHttps],
  ['fetch dispatcher', viaFetch],
]) {
  console.log(`\n== ${client}`);
  for (const t of targets) {
    try {
      const protocol = await call(t);
      allowed += 1;
      console.log(`  ALLOWED  ${t.label}: ${protocol}`);
    } catch (error) {
      const policyError = isTlsPolicyError(error) ? error : isTlsPolicyError(error.cause) ? error.cause : undefined;
      if (!policyError) throw error;
      refused += 1;
      console.log(`  REFUSED  ${t.label}: ${policyError.code}`);
    }
  }
}
console.log(
  `\n${allowed} allowed, ${refused} refused; bytes the refused servers received: ${servers[0].bytesReceived + servers[1].bytesReceived + attacked.bytesReceived}`,
);
agent.destroy();
await dispatcher.close();

// `m365-tls-policy report` turns those records into the table admins know (and, with --html, a page).
const dir = mkdtempSync(join(tmpdir(), 'm365-tls-policy-demo-'));
const file = join(dir, 'tls-policy.ndjson');
writeFileSync(file, `${records.join('\n')}\n`);
const bin = join(dirname(createRequire(import.meta.url).resolve('m365-tls-policy/package.json')), 'dist/esm/cli/bin.js');
console.log(`\n== m365-tls-policy report (${records.length} records of this run)\n`);
console.log(execFileSync(process.execPath, [bin, 'report', file, ...process.argv.slice(2)], { encoding: 'utf8' }).trimEnd());
rmSync(dir, { recursive: true, force: true });
await Promise.all([...servers.map((s) => s.close()), attacker.close(), attacked.close()]);
