import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// What `npm pack` would publish (read with --dry-run: nothing is written).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const packed = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
) as Array<{
  files: Array<{ path: string }>;
}>;
const files = new Set(packed[0]?.files.map((f) => f.path) ?? []);

describe('the published package', () => {
  it('every relative link in its Markdown resolves to a file it ships', () => {
    const broken: string[] = [];
    for (const file of [...files].filter((f) => f.endsWith('.md'))) {
      for (const [, link] of readFileSync(join(ROOT, file), 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/gu)) {
        if (link === undefined || /^[a-z][a-z0-9+.-]*:/iu.test(link)) continue;
        const target = normalize(join(dirname(file), link));
        if (!files.has(target) && ![...files].some((f) => f.startsWith(`${target}/`))) broken.push(`${file} -> ${link}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('ships no private key: the testing kit makes its keys at run time', () => {
    const withKeys = [...files].filter((f) => /PRIVATE KEY-----/u.test(readFileSync(join(ROOT, f), 'utf8')));
    assert.deepEqual(withKeys, []);
  });

  it('ships no source maps and no declaration maps', () => {
    assert.deepEqual(
      [...files].filter((f) => f.endsWith('.map')),
      [],
    );
  });
});
