import assert from 'node:assert/strict';
import * as https from 'node:https';
import { describe, it } from 'node:test';
import {
  createFetchDispatcher,
  createHttpsAgent,
  createTlsPolicy,
  installTlsPolicy,
  type PolicyViolation,
  type TlsPolicy,
} from '../src/index.js';
import { DOWNGRADE_ATTACKS, startDowngradeProxy, startTlsServer, type TestTlsServer } from '../src/testing/index.js';
import { startConnectProxy } from './helpers/connect-proxy.js';
import { captureDebug } from './helpers/debug-capture.js';

// Secrets a request carries. None may appear in a log line, an event or an error message,
// under any failure mode.
const TOKEN = 'eyJhbGciOi.LOG-HYGIENE-TOKEN.sig';
const COOKIE = 'LOG-HYGIENE-COOKIE';
const QUERY = 'LOG-HYGIENE-QUERY';
const PROXY_PASSWORD = 'LOG-HYGIENE-PROXY-PASSWORD';
const SECRETS = [TOKEN, COOKIE, QUERY, PROXY_PASSWORD];

function get(
  server: { port: number; lookup: https.RequestOptions['lookup']; ca: string },
  agent: https.Agent | undefined,
  extra: https.RequestOptions = {},
  host = 'graph.microsoft.com',
): Promise<unknown> {
  return new Promise((resolve) => {
    https
      .get(
        {
          host,
          port: server.port,
          path: `/v1.0/me?code=${QUERY}`,
          headers: { authorization: `Bearer ${TOKEN}`, cookie: `s=${COOKIE}` },
          lookup: server.lookup,
          ca: server.ca,
          agent,
          ...extra,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(undefined));
        },
      )
      .on('error', resolve);
  });
}

type Mode = [string, (policy: TlsPolicy) => Promise<unknown>];

describe('adversarial: log and event hygiene under every failure mode', () => {
  const MODES: Mode[] = [
    ['a legacy server', async (policy) => withServer({ versions: ['TLSv1'] }, (s) => get(s, createHttpsAgent({ policy })))],
    ...DOWNGRADE_ATTACKS.map(
      (attack): Mode => [
        `the ${attack} attack`,
        async (policy) =>
          withServer({ versions: ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'] }, async (s) => {
            const proxy = await startDowngradeProxy({ target: s.port, attack });
            try {
              return await get({ ...s, port: proxy.port }, createHttpsAgent({ policy }));
            } finally {
              await proxy.close();
            }
          }),
      ],
    ),
    [
      'a server with only weak suites',
      async (policy) => withServer({ versions: ['TLSv1.2'], ciphers: 'AES128-SHA' }, (s) => get(s, createHttpsAgent({ policy }))),
    ],
    [
      'an unverifiable certificate',
      async (policy) =>
        withServer({ versions: ['TLSv1.3'] }, (s) =>
          get({ ...s, ca: '' }, createHttpsAgent({ policy }), { ca: undefined, rejectUnauthorized: false }),
        ),
    ],
    [
      'refused weakening options',
      async () =>
        withServer({ versions: ['TLSv1.3'] }, (s) =>
          get(s, createHttpsAgent({ policy: createTlsPolicy({ insecureOptions: 'refuse' }) }), { minVersion: 'TLSv1' }),
        ),
    ],
    [
      'report mode with weak options',
      async () =>
        withServer({ versions: ['TLSv1.1'] }, (s) =>
          get(s, createHttpsAgent({ policy: createTlsPolicy({ mode: 'report' }) }), {
            minVersion: 'TLSv1',
            ciphers: 'DEFAULT:@SECLEVEL=0',
          }),
        ),
    ],
    [
      'the fetch dispatcher and a legacy server',
      async (policy) =>
        withServer({ versions: ['TLSv1'] }, async (s) => {
          const dispatcher = createFetchDispatcher({ policy, connect: { lookup: s.lookup, ca: s.ca } });
          const error = await fetch(`https://graph.microsoft.com:${s.port}/v1.0/me?code=${QUERY}`, {
            dispatcher,
            headers: { authorization: `Bearer ${TOKEN}` },
          } as RequestInit).then(
            () => undefined,
            (e: unknown) => e,
          );
          await dispatcher.close();
          return error;
        }),
    ],
    [
      'the installed policy and a legacy server',
      async (policy) =>
        withServer({ versions: ['TLSv1'] }, async (s) => {
          const uninstall = installTlsPolicy(policy);
          try {
            return await get(s, new https.Agent());
          } finally {
            uninstall();
          }
        }),
    ],
    [
      'a proxy with credentials (refused tunnel, then a legacy origin)',
      async (policy) => {
        const refusing = await startConnectProxy('Basic nope');
        const relaying = await startConnectProxy();
        try {
          return await withServer({ versions: ['TLSv1'] }, async (s) => [
            await get(s, createHttpsAgent({ policy, proxy: `http://svc:${PROXY_PASSWORD}@127.0.0.1:${refusing.port}` })),
            await get(s, createHttpsAgent({ policy, proxy: `http://svc:${PROXY_PASSWORD}@127.0.0.1:${relaying.port}` })),
          ]);
        } finally {
          await refusing.close();
          await relaying.close();
        }
      },
    ],
  ];

  for (const [name, run] of MODES) {
    it(`${name}: no secret in logs, events or errors; no raw control characters in log lines`, async (t) => {
      const lines = captureDebug(t);
      const policy = createTlsPolicy();
      const events: PolicyViolation[] = [];
      policy.on('violation', (v) => events.push(v));
      const errors = [await run(policy)].flat();
      // Each mode must really have produced something to log: a refusal, or (report mode) a
      // reported violation.
      assert.ok(
        errors.some((e) => e instanceof Error) || lines.some((l) => l.includes('action=reported')),
        'the failure mode really happened',
      );
      const errorText = errors
        .map((e) => (e instanceof Error ? `${e.message} ${String((e as { cause?: Error }).cause?.message)}` : ''))
        .join('\n');
      const everything = [...lines, JSON.stringify(events), errorText].join('\n');
      for (const secret of SECRETS) assert.equal(everything.includes(secret), false, `${secret} leaked in:\n${everything}`);
      for (const line of lines) assert.equal(/[\r\n\u0000-\u0008\u001b]/u.test(line), false, JSON.stringify(line));
    });
  }
});

async function withServer<T>(options: Parameters<typeof startTlsServer>[0], run: (server: TestTlsServer) => Promise<T>): Promise<T> {
  const server = await startTlsServer(options);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}
