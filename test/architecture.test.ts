import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The layers of docs/architecture.md, held against the real imports: a folder may import only
// the layers listed for it (and itself). `tls-policy` is the facade file at the root of src/.
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  support: [],
  policy: ['support'],
  observe: ['policy', 'support'],
  engine: ['policy', 'support'],
  'tls-policy': ['engine', 'observe', 'policy', 'support'],
  adapters: ['tls-policy', 'engine', 'policy', 'support'],
  process: ['tls-policy', 'engine', 'policy', 'support'],
  cli: ['tls-policy', 'process', 'observe', 'policy', 'support'],
  testing: ['tls-policy', 'policy', 'support'],
  // The entries may import anything.
  index: ['*'],
  register: ['*'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

const layerOf = (file: string): string => {
  const rel = relative(SRC, file).split(/[\\/]/u);
  return rel.length === 1 ? (rel[0] ?? '').replace(/\.ts$/u, '') : (rel[0] ?? '');
};

describe('architecture', () => {
  const files = sources(SRC);

  it('every import goes to the same layer or a lower one', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      const allowed = ALLOWED[from];
      assert.ok(allowed, `${relative(SRC, file)} is in no known layer: add it to docs/architecture.md and this test`);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/gu)) {
        const target = posix.join(posix.dirname(relative(SRC, file).replaceAll('\\', '/')), match[1] ?? '');
        const to = layerOf(join(SRC, target.replace(/\.js$/u, '.ts')));
        if (to !== from && !allowed.includes('*') && !allowed.includes(to))
          wrong.push(`${relative(SRC, file)} -> ${target} (${from} may not import ${to})`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('adapters do not import each other, but for the documented MSAL recipe, the connector of the dispatcher and the proxy tunnel', () => {
    const edges: string[] = [];
    for (const file of files.filter((f) => layerOf(f) === 'adapters')) {
      for (const match of readFileSync(file, 'utf8').matchAll(/from\s*'\.\/([^']+)\.js'/gu))
        edges.push(`${relative(SRC, file)} -> ${match[1]}`);
    }
    const allowed = new Set([
      'adapters/msal-network-client.ts -> fetch-dispatcher',
      'adapters/https-agent.ts -> proxy-tunnel',
      'adapters/fetch-dispatcher.ts -> policy-connector',
      'adapters/policy-connector.ts -> proxy-tunnel',
      // The shapes of undici the dispatcher uses, declared once (no undici package in the declarations).
      'adapters/fetch-dispatcher.ts -> undici-shapes',
      'adapters/policy-connector.ts -> undici-shapes',
      'adapters/msal-network-client.ts -> undici-shapes',
    ]);
    assert.deepEqual(
      edges.map((e) => e.replaceAll('\\', '/')).filter((e) => !allowed.has(e)),
      [],
    );
  });

  it('modules stay small (300 lines at most) and folders hold about ten files at most', () => {
    const long = files.map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
    assert.deepEqual(long, []);
    const crowded = [...new Set(files.map((f) => dirname(f)))]
      .map((d) => [relative(SRC, d), readdirSync(d).filter((n) => n.endsWith('.ts')).length] as const)
      .filter(([, n]) => n > 11);
    assert.deepEqual(crowded, []);
  });

  it('registry symbols are declared in one place (engine/registry.ts, and the error brand it lists)', () => {
    const declaring = files
      .filter((f) => /Symbol\.for\(/u.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f).replaceAll('\\', '/'));
    assert.deepEqual(declaring.sort(), ['engine/registry.ts', 'policy/errors.ts']);
  });
});
