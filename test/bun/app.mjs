// Runs under Bun, started by test/bun/run.mjs with PROBE={ client, ports: [legacy, modern] }.
// Prints one JSON line: what each request got, and the violations and findings the policy saw.
import * as https from 'node:https';
import { connect } from 'node:tls';
import {
  auditRuntime,
  createFetchDispatcher,
  createHttpsAgent,
  createMsalNetworkClient,
  createTlsPolicy,
  installedTlsPolicy,
  installTlsPolicy,
} from 'm365-tls-policy';

const { client, ports } = JSON.parse(process.env.PROBE);
const lookup = (_host, options, callback) => {
  const cb = typeof options === 'function' ? options : callback;
  if (typeof options === 'object' && options?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
};
// A weakened client: what a dependency might ask for. The policy must raise it back.
const weak = { minVersion: 'TLSv1' };
const headers = { authorization: 'Bearer eyJ0eXAiOiJKV1Qi.secret' };
const code = (e) => e.code ?? e.cause?.code ?? e.message;

const viaHttps = (port, agent) =>
  new Promise((resolve) => {
    https
      .get({ host: 'graph.microsoft.com', port, agent, lookup, headers, ...weak }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', (e) => resolve(code(e)));
  });
// tls.connect imported by name: covered only if the install ran before this module bound it.
const viaTls = (port) =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'graph.microsoft.com', ...weak }, () => {
      resolve(`connected ${socket.getProtocol()}`);
      socket.end();
    });
    socket.on('error', (e) => resolve(code(e)));
  });
const refusal = (make) => {
  try {
    make();
    return 'created';
  } catch (e) {
    return code(e);
  }
};

const out = { results: [], violations: [], findings: [] };
const watch = (policy) => {
  policy.on('violation', (v) => out.violations.push(v.kind));
  policy.on('finding', (f) => out.findings.push(f.id));
  return policy;
};
if (client === 'agent') {
  const agent = createHttpsAgent({ policy: watch(createTlsPolicy()) });
  for (const port of ports) out.results.push(await viaHttps(port, agent));
  agent.destroy();
} else if (client === 'install') {
  const uninstall = installTlsPolicy(watch(createTlsPolicy()));
  for (const port of ports) out.results.push(await viaHttps(port));
  uninstall();
} else if (client === 'preloaded') {
  const policy = installedTlsPolicy();
  out.installed = policy !== undefined;
  if (policy) watch(policy);
  for (const port of ports) out.results.push(await viaHttps(port), await viaTls(port));
} else if (client === 'dispatcher') {
  out.results.push(
    refusal(() => createFetchDispatcher()),
    refusal(() => createMsalNetworkClient()),
  );
} else if (client === 'audit') {
  out.findings = auditRuntime().map((f) => `${f.id}:${f.severity}`);
}
console.log(JSON.stringify(out));
process.exit(0);
