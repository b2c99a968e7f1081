// The policy agent and dispatcher through a CONNECT proxy. Run: npm run build && node examples/proxy.mjs
import * as net from 'node:net';
import { createFetchDispatcher, createHttpsAgent, createTlsPolicy } from 'm365-tls-policy';
import { ca, tryLegacyAndModern } from './local-m365.mjs';

// A tiny CONNECT proxy standing in for the corporate one: every tunnel goes to 127.0.0.1.
const seen = [];
const proxy = net.createServer((client) => {
  client.once('data', (head) => {
    const line = head.toString('latin1').split('\r\n')[0];
    seen.push(line);
    const port = Number(/:(\d+) HTTP/.exec(line)?.[1]);
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      client.pipe(upstream).pipe(client);
    });
    upstream.on('error', () => client.destroy());
  });
  client.on('error', () => {});
});
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const proxyUrl = `http://127.0.0.1:${proxy.address().port}`;

const policy = createTlsPolicy();
const agent = createHttpsAgent({ policy, proxy: proxyUrl, ca }); // ca still means the origin
const { request } = await import('node:https');
await tryLegacyAndModern(
  'https agent via proxy',
  policy,
  (port) =>
    new Promise((resolve, reject) => {
      request({ host: 'graph.microsoft.com', port, path: '/v1.0/me', agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(JSON.parse(body).protocol));
      })
        .on('error', reject)
        .end();
    }),
);
const dispatcher = createFetchDispatcher({ policy, proxy: proxyUrl, connect: { ca } });
await tryLegacyAndModern(
  'fetch via proxy',
  policy,
  async (port) => (await (await fetch(`https://graph.microsoft.com:${port}/v1.0/me`, { dispatcher })).json()).protocol,
);
console.log(`the proxy saw only: ${[...new Set(seen.map((l) => l.replace(/:\d+ /, ':<port> ')))].join(', ')}`);
agent.destroy();
await dispatcher.close();
proxy.close();
