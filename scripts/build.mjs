// Dual build: ESM (module nodenext, the package is "type": "module") and CommonJS, each with
// its own declarations. dist/commonjs gets a package.json that marks its .js files CommonJS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
for (const project of ['tsconfig.json', 'tsconfig.cjs.json']) {
  // `npm run` puts node_modules/.bin on PATH.
  execFileSync('tsc', ['-p', project], { stdio: 'inherit' });
}
mkdirSync('dist/commonjs', { recursive: true });
writeFileSync('dist/commonjs/package.json', '{\n  "type": "commonjs"\n}\n');
