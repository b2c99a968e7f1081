import { format } from 'node:util';
import createDebug from 'debug';

/** Enables this package's debug namespaces for one test and collects every line written. */
export function captureDebug(t: { after(fn: () => void): void }): string[] {
  const lines: string[] = [];
  const saved = { log: createDebug.log, namespaces: createDebug.disable() };
  createDebug.log = (...args: unknown[]) => lines.push(format(...args));
  createDebug.enable('m365-tls-policy:*');
  t.after(() => {
    createDebug.log = saved.log;
    createDebug.enable(saved.namespaces);
  });
  return lines;
}
