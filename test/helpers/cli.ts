import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** Runs the CLI in this process with captured output; `isTTY` applies to stdout and stderr alike. */
export async function cli(args: string[], env: NodeJS.ProcessEnv = {}, isTTY = false): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    Object.assign(
      new Writable({
        write: (chunk, _e, cb) => {
          append(String(chunk));
          cb();
        },
      }),
      { isTTY },
    );
  const code = await main(args, { stdout: sink((s) => (out += s)) as never, stderr: sink((s) => (err += s)) as never, env });
  return { code, out, err };
}
