// Local stand-ins for Microsoft 365, so the examples run offline: servers on 127.0.0.1 that
// present the testing kit's certificate for Microsoft 365 names and speak only the TLS
// versions asked for. Not part of the package.
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { MICROSOFT_365_LEAF, TESTING_CA, findTlsPolicyError, startTlsServer } from 'm365-tls-policy/testing';

const credentials = MICROSOFT_365_LEAF;
// Security level 0 lets OpenSSL 3 speak TLS 1.0/1.1 at all: set on these fake servers only.
const serverTls = (min, max) => ({ ...credentials, minVersion: min, maxVersion: max, ciphers: 'DEFAULT:@SECLEVEL=0' });

/** The test CA: trust it explicitly, as you would a corporate CA. Never disable verification. */
export const ca = TESTING_CA;

/** Sends every host name to 127.0.0.1, keeping the name for SNI and certificate checks. */
export const lookup = (_host, options, callback) =>
  options?.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);

// One JSON handler plays Graph (/me) and Entra (OpenID metadata and the token endpoint).
function handle(req, res) {
  const base = `https://login.microsoftonline.com:${req.socket.localPort}/contoso.example`;
  res.setHeader('content-type', 'application/json');
  if (req.url.includes('openid-configuration')) {
    res.end(
      JSON.stringify({
        issuer: `${base}/v2.0`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
      }),
    );
  } else if (req.url.includes('/token')) {
    res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'example-token' }));
  } else {
    res.end(JSON.stringify({ displayName: 'Adele Vance', protocol: req.socket.getProtocol() }));
  }
}

/**
 * An HTTPS server that only speaks `minVersion`..`maxVersion`, posing as `hostnames`; resolves
 * to { port, close }.
 */
export async function startLocalM365(
  minVersion,
  maxVersion = minVersion,
  hostnames = ['graph.microsoft.com', 'login.microsoftonline.com', 'outlook.office365.com'],
) {
  const versions = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  return startTlsServer({
    versions: versions.slice(versions.indexOf(minVersion), versions.indexOf(maxVersion) + 1),
    hostnames,
    handler: (req, res) => {
      req.resume();
      req.on('end', () => handle(req, res));
    },
  });
}

/**
 * For SDKs that take no agent, dispatcher or lookup (the Agents SDK, Bot Framework), whose URLs
 * carry no port: sends each host named in `routes` (a Map of name to port) to that loopback port,
 * and trusts the test CA, as DNS and a public CA do in production. It sets undici's global
 * dispatcher (Node's fetch reads it) and wraps https.Agent's createConnection (node:https). It
 * adds no TLS policy: the one you see at work is the package's. Resolves to a restore function.
 */
export async function routeToLocal(routes) {
  const undici = await import('undici');
  const portFor = (host, port) => routes.get(String(host).toLowerCase()) ?? (Number(port) || 443);
  const previous = undici.getGlobalDispatcher();
  const connector = undici.buildConnector({ ca, lookup });
  const dispatcher = new undici.Agent({
    connect: (options, callback) => connector({ ...options, port: String(portFor(options.hostname, options.port)) }, callback),
  });
  undici.setGlobalDispatcher(dispatcher);
  const { createConnection, getName } = https.Agent.prototype;
  https.Agent.prototype.createConnection = function (options, callback) {
    return createConnection.call(this, { ...options, ca: options.ca ?? ca, lookup, port: portFor(options.host, options.port) }, callback);
  };
  // Kept-alive sockets are pooled per loopback port: one stand-in's socket never serves the next.
  https.Agent.prototype.getName = function (options) {
    return getName.call(this, { ...options, port: portFor(options.host, options.port) });
  };
  return () => {
    Object.assign(https.Agent.prototype, { createConnection, getName });
    undici.setGlobalDispatcher(previous);
    return dispatcher.close();
  };
}

/** A mail server (SMTP or IMAP, by `kind`) with STARTTLS that upgrades only to the given versions. */
export async function startLocalMail(kind, minVersion, maxVersion = minVersion) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const talk = (s, secure) => {
      let buffer = '';
      const onData = (chunk) => {
        buffer += chunk.toString('latin1');
        for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const reply = (kind === 'smtp' ? smtp : imap)(line, secure);
          if (reply.send) s.write(reply.send);
          if (reply.upgrade && !secure) {
            s.off('data', onData);
            const upgraded = new tls.TLSSocket(s, { isServer: true, ...serverTls(minVersion, maxVersion) });
            upgraded.on('error', () => s.destroy());
            return talk(upgraded, true);
          }
        }
      };
      s.on('data', onData);
    };
    talk(socket, false);
    socket.write(kind === 'smtp' ? '220 smtp.office365.com ESMTP ready\r\n' : '* OK IMAP4 service ready.\r\n');
  });
  let inData = false;
  const smtp = (line, secure) => {
    if (inData) {
      if (line !== '.') return {};
      inData = false;
      return { send: '250 2.6.0 Queued\r\n' };
    }
    const verb = line.split(' ')[0].toUpperCase();
    if (verb === 'EHLO')
      return { send: `250-smtp.office365.com\r\n${secure ? '250-AUTH LOGIN PLAIN' : '250-STARTTLS'}\r\n250 SIZE 157286400\r\n` };
    if (verb === 'STARTTLS') return { send: '220 2.0.0 Ready\r\n', upgrade: true };
    if (verb === 'AUTH') return { send: '235 2.7.0 Authenticated\r\n' };
    if (verb === 'DATA') {
      inData = true;
      return { send: '354 Go ahead\r\n' };
    }
    if (verb === 'QUIT') return { send: '221 2.0.0 Bye\r\n' };
    return { send: '250 2.1.0 OK\r\n' };
  };
  const imap = (line, secure) => {
    const [tag, command = ''] = line.split(' ');
    const upper = command.toUpperCase();
    if (upper === 'CAPABILITY')
      return { send: `* CAPABILITY IMAP4rev1 ${secure ? 'AUTH=PLAIN' : 'STARTTLS LOGINDISABLED'}\r\n${tag} OK done\r\n` };
    if (upper === 'STARTTLS') return { send: `${tag} OK Begin TLS negotiation now.\r\n`, upgrade: true };
    if (upper === 'LOGOUT') return { send: `* BYE\r\n${tag} OK done\r\n` };
    return { send: `${tag} OK done\r\n` };
  };
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(resolve);
      }),
  };
}

/**
 * Runs `call(port)` against a TLS 1.1 and a TLS 1.3 stand-in and prints what happened, with the
 * refusal as the client reports it and as the policy's 'violation' event tells it.
 */
export async function tryLegacyAndModern(name, policy, call, start = startLocalM365) {
  const violations = [];
  policy.on('violation', (v) => violations.push(v));
  console.log(`${name}:`);
  for (const version of ['TLSv1.1', 'TLSv1.3']) {
    const server = await start(version);
    violations.length = 0;
    try {
      const result = await call(server.port);
      console.log(`  ${version}: allowed (${result})`);
    } catch (error) {
      const reason = findTlsPolicyError(error)?.code ?? violations[0]?.code ?? [error.code, error.originalCode].filter(Boolean).join(' ');
      console.log(`  ${version}: refused (${reason})`);
    } finally {
      await server.close();
    }
  }
}
