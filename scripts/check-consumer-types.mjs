// Type-checks the packed package the way consumers compile against it: TypeScript 5 (latest)
// and the TypeScript this repository builds with; module resolution nodenext, node16, bundler
// (module esnext and preserve) and node10 (TypeScript 5 only: 7 removed it); ESM and CommonJS
// consumers; undici 6 and 7; @types/node 20, 22 and 24; npm's hoisted node_modules and an
// isolated (pnpm-style, `--install-strategy=linked`) one; and every doc snippet under each
// module setting with both compilers (scripts/check-doc-snippets.mjs). Run by .ci/run:
//   node scripts/check-consumer-types.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const ts7 = pkg.devDependencies.typescript;
const work = mkdtempSync(join(tmpdir(), 'm365-tls-policy-consumers-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

// What a consumer writes: the main entry, the testing kit, the register entry, and the fetch
// dispatcher with Node's fetch and with undici's own APIs.
const body = (undici) => `
const policy = createTlsPolicy({ minVersion: 'TLSv1.2', logger: console, logConnections: true });
policy.on('violation', (v) => console.warn(v.kind, v.code));
const agent = createHttpsAgent({ policy, keepAlive: true });
const report = checkTlsPolicy('https://graph.microsoft.com/v1.0/me', policy);
const ok: boolean = report.ok && isPolicyAgent(agent);
const uninstall: () => void = installTlsPolicy({ mode: 'report' });
const dispatcher = createFetchDispatcher({ policy, undici: ${undici} });
${undici}.setGlobalDispatcher(dispatcher);
void ${undici}.fetch('https://graph.microsoft.com/v1.0/me', { dispatcher });
void fetch('https://graph.microsoft.com/v1.0/me', { dispatcher: createFetchDispatcher() } as RequestInit);
void startTlsServer({ versions: ['TLSv1.3'] }).then((server) => server.close());
export { ok, uninstall };
`;
const esm = (
  undici,
) => `import { checkTlsPolicy, createFetchDispatcher, createHttpsAgent, createTlsPolicy, installTlsPolicy, isPolicyAgent } from 'm365-tls-policy';
import { startTlsServer } from 'm365-tls-policy/testing';
import 'm365-tls-policy/register';
import * as ${undici} from '${undici}';
${body(undici)}`;
const cjs = (undici) => `import m365 = require('m365-tls-policy');
import testing = require('m365-tls-policy/testing');
import ${undici} = require('${undici}');
const { checkTlsPolicy, createFetchDispatcher, createHttpsAgent, createTlsPolicy, installTlsPolicy, isPolicyAgent } = m365;
const { startTlsServer } = testing;
${body(undici)}`;

const CONFIGS = {
  nodenext: { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, files: ['esm.mts', 'cjs.cts'] },
  node16: { compilerOptions: { module: 'node16', moduleResolution: 'node16' }, files: ['esm.mts', 'cjs.cts'] },
  bundler: { compilerOptions: { module: 'esnext', moduleResolution: 'bundler' }, files: ['esm.ts'] },
  preserve: { compilerOptions: { module: 'preserve', moduleResolution: 'bundler' }, files: ['esm.ts'] },
  node10: { compilerOptions: { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }, files: ['esm.ts'], only: 'ts5' },
};
const failures = [];
let checks = 0;
try {
  const tarball = join(work, run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop());
  for (const types of ['20', '22', '24']) {
    for (const layout of ['hoisted', 'linked']) {
      const dir = join(work, `node${types}-${layout}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
      run(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          `--install-strategy=${layout}`,
          tarball,
          'ts5@npm:typescript@5',
          `ts7@npm:typescript@${ts7}`,
          `@types/node@${types}`,
          'undici@7',
          'undici6@npm:undici@6',
        ],
        dir,
      );
      if (types === '20' && layout === 'hoisted') {
        // Every doc snippet too, under each module setting, with both compilers.
        for (const ts of ['ts5', 'ts7']) {
          checks += 1;
          try {
            run(
              process.execPath,
              [join(root, 'scripts', 'check-doc-snippets.mjs'), '--tsc', join(dir, 'node_modules', ts, 'bin', 'tsc')],
              root,
            );
          } catch (error) {
            failures.push(`doc snippets, ${ts}:\n${String(error.stdout ?? '') + String(error.stderr ?? '')}`);
          }
        }
      }
      for (const undici of ['undici', 'undici6']) {
        const sub = join(dir, undici);
        mkdirSync(sub);
        writeFileSync(join(sub, 'esm.mts'), esm(undici));
        writeFileSync(join(sub, 'esm.ts'), esm(undici));
        writeFileSync(join(sub, 'cjs.cts'), cjs(undici));
        for (const [name, config] of Object.entries(CONFIGS)) {
          const tsconfig = join(sub, `tsconfig.${name}.json`);
          const compilerOptions = {
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ['node'],
            ...config.compilerOptions,
          };
          writeFileSync(tsconfig, JSON.stringify({ compilerOptions, files: config.files }));
          for (const ts of ['ts5', 'ts7']) {
            if (config.only !== undefined && config.only !== ts) continue;
            checks += 1;
            const label = `@types/node ${types}, ${layout}, ${undici === 'undici' ? 'undici 7' : 'undici 6'}, ${name}, ${ts === 'ts5' ? 'TypeScript 5' : `TypeScript ${ts7}`}`;
            try {
              run(process.execPath, [join(dir, 'node_modules', ts, 'bin', 'tsc'), '-p', tsconfig], sub);
            } catch (error) {
              failures.push(`${label}:\n${String(error.stdout ?? '') + String(error.stderr ?? '')}`);
            }
          }
        }
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`consumer type checks: ${failures.length} of ${checks} failed\n\n${failures.join('\n\n')}`);
  process.exit(1);
}
console.log(`consumer type checks (${checks}): all passed`);
