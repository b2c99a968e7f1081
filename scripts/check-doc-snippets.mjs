// Type-checks every JavaScript and TypeScript snippet of README.md and docs/ against the built
// package, as a consumer would write it: each snippet becomes a module under build/doc-snippets
// that imports 'm365-tls-policy' by name (the package's own exports map) and the client
// libraries from node_modules. Free variables a snippet leaves to the reader (`token`, `client`,
// `logger`, ...) are declared once, loosely, in a prelude: what is checked is this package's
// API as the docs use it (option names, function names, argument shapes, return types).
// Run after `npm run build`: node scripts/check-doc-snippets.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'build', 'doc-snippets');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
docs.push(
  ...readdirSync(join(root, 'docs', 'clients'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/clients/${f}`),
);

// What snippets take for granted: the reader's own values, and test runners' globals.
const PRELUDE = `
declare global {
  const token: string;
  const client: any;
  const logger: any;
  const metrics: { increment(name: string): void };
  const url: string;
  const headers: Record<string, string>;
  const tenantId: string;
  const clientId: string;
  const clientSecret: string;
  const user: string;
  const pass: string;
  const plainSocket: import('node:net').Socket;
  const tlsSocket: import('node:tls').TLSSocket;
  const accessToken: string;
  const assert: typeof import('node:assert/strict');
  type TlsPolicyErrorCode = import('m365-tls-policy').TlsPolicyErrorCode;
  function onResponse(res: import('node:http').IncomingMessage): void;
  function sendEhloAgain(socket: import('node:tls').TLSSocket): void;
  function alertSecurityTeam(host: string | undefined): void;
  const policy: import('m365-tls-policy').TlsPolicy;
  const createFetchDispatcher: typeof import('m365-tls-policy').createFetchDispatcher;
  const expectNegotiated: typeof import('m365-tls-policy/testing').expectNegotiated;
  const startTlsServer: typeof import('m365-tls-policy/testing').startTlsServer;
  const startDowngradeProxy: typeof import('m365-tls-policy/testing').startDowngradeProxy;
  const expectRefused: typeof import('m365-tls-policy/testing').expectRefused;
  const installedTlsPolicy: typeof import('m365-tls-policy').installedTlsPolicy;
  // node:test, Jest, Vitest and Mocha as the testing recipes use them.
  function describe(name: string, fn: () => void): void;
  function beforeAll(fn: () => unknown): void;
  function afterAll(fn: () => unknown): void;
  function before(fn: () => unknown): void;
  function after(fn: () => unknown): void;
  function test(name: string, fn: () => unknown): void;
  function it(name: string, fn: () => unknown): void;
  function expect(value: unknown): any;
}
export {};
`;
writeFileSync(join(out, 'prelude.d.ts'), PRELUDE);
const GRAPH_STUB =
  'export function makeGraphClient(options: { httpsAgent: import("node:https").Agent; [option: string]: unknown }): any { return options; }\n';
writeFileSync(join(out, 'graph.mts'), GRAPH_STUB);
writeFileSync(join(out, 'graph.cts'), GRAPH_STUB);
writeFileSync(
  join(out, 'vitest.d.ts'),
  "declare module 'vitest' { export const afterAll: any, beforeAll: any, test: any, describe: any, it: any, expect: any; }\n",
);

const files = [];
for (const doc of docs) {
  const text = readFileSync(join(root, doc), 'utf8');
  let n = 0;
  for (const match of text.matchAll(/```(js|javascript|ts|typescript)\n([\s\S]*?)```/gu)) {
    n += 1;
    // The reader's own module stands for '../src/graph.js' in the testing recipes.
    let code = match[2].replace(/'\.\.\/src\/graph(\.js)?'/gu, (_m, ext) => (ext ? "'./graph.mjs'" : "'./graph.cjs'"));
    const commonjs = /\brequire\(/u.test(code) && !/^import /mu.test(code);
    if (!commonjs && !/^(import|export) /mu.test(code)) code = `${code}\nexport {};\n`;
    const name = `${doc.replace(/[/.]/gu, '_')}_${n}.${commonjs ? 'cts' : 'mts'}`;
    writeFileSync(join(out, name), `// ${doc}, snippet ${n}\n${code}`);
    files.push(name);
  }
}
// nodenext by default (npm test); with `--tsc <path>`, every module setting a snippet can be
// read under, with that compiler (check-consumer-types.mjs runs it with TypeScript 5 and 7).
const CONFIGS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  node16: { module: 'node16', moduleResolution: 'node16' },
  preserve: { module: 'preserve', moduleResolution: 'bundler' },
};
const at = process.argv.indexOf('--tsc');
const tsc = at === -1 ? join(root, 'node_modules', 'typescript', 'bin', 'tsc') : process.argv[at + 1];
const configs = at === -1 ? ['nodenext'] : Object.keys(CONFIGS);
const failures = [];
for (const config of configs) {
  const tsconfig = join(out, `tsconfig.${config}.json`);
  writeFileSync(
    tsconfig,
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        // Node's own globals (fetch with its dispatcher), not a browser's.
        lib: ['es2023'],
        ...CONFIGS[config],
        strict: false,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      files: ['prelude.d.ts', 'vitest.d.ts', ...files],
    }),
  );
  try {
    execFileSync(process.execPath, [tsc, '-p', tsconfig], { cwd: out, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    failures.push(`${config}:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}
if (failures.length > 0) {
  console.error(`doc snippets: type errors\n${failures.join('\n')}`);
  process.exit(1);
}
console.log(`doc snippets: ${files.length} type-check (${configs.join(', ')}; ${basename(dirname(dirname(tsc)))})`);
