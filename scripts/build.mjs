// Dual build. tsc compiles ESM (module nodenext; the package is "type": "module") and CommonJS,
// each with its own declarations; dist/commonjs gets a package.json that marks it CommonJS.
// Both compiles use the same `module: nodenext` settings, which every TypeScript from 5 on
// accepts: for the CommonJS one, src/ is marked "type": "commonjs" for the duration of the
// compile (tshy's approach), so tsc emits CommonJS for the files in it.
// The ESM JavaScript is then bundled into one file per entry point, because Node's ES module
// loader pays about a millisecond per module file: thirty small files made the import several
// times slower than one. Entries share no module state but what lives on globalThis under
// registry symbols, which every copy of the package (CommonJS included) sees alike. The
// declarations stay per module, as tsc wrote them.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

// A marker left behind by an interrupted build would turn the ESM build into CommonJS: drop it first.
const marker = 'src/package.json';
rmSync(marker, { force: true });
rmSync('dist', { recursive: true, force: true });
// `npm run` puts node_modules/.bin on PATH.
execFileSync('tsc', ['-p', 'tsconfig.json'], { stdio: 'inherit' });
writeFileSync(marker, '{\n  "type": "commonjs"\n}\n');
try {
  execFileSync('tsc', ['-p', 'tsconfig.cjs.json'], { stdio: 'inherit' });
} finally {
  rmSync(marker, { force: true });
}
mkdirSync('dist/commonjs', { recursive: true });
writeFileSync('dist/commonjs/package.json', '{\n  "type": "commonjs"\n}\n');

const ENTRIES = ['index', 'register', 'testing/index', 'cli/bin'];
await build({
  entryPoints: Object.fromEntries(ENTRIES.map((e) => [e, `dist/esm/${e}.js`])),
  outdir: 'dist/esm-bundle',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  // Dependencies stay dependencies; optional peers are loaded at run time, when used.
  packages: 'external',
  logLevel: 'warning',
});
// Replace tsc's ESM JavaScript (keep its .d.ts files) with the bundles.
for (const file of readdirSync('dist/esm', { recursive: true, withFileTypes: true })) {
  if (file.isFile() && /\.js(\.map)?$/u.test(file.name)) rmSync(join(file.parentPath ?? file.path, file.name));
}
cpSync('dist/esm-bundle', 'dist/esm', { recursive: true });
rmSync('dist/esm-bundle', { recursive: true, force: true });
