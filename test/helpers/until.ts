import type * as http from 'node:http';

/**
 * Waits until `condition()` holds, checking on each turn of the event loop (1 ms timers), for at
 * most `limitMs`; returns whether it held. For facts that settle a moment after the event a test
 * awaits (a socket back in its agent's pool, a socket leaving the agent's books on 'close'):
 * the test asserts the result, so a setup that never happened fails loudly instead of letting
 * the test pass for the wrong reason, and no fixed sleep guesses how long "a moment" is.
 */
export async function until(condition: () => boolean, limitMs = 2000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return true;
}

/** Sockets in one of an http(s).Agent's books (`freeSockets` or `sockets`). */
export function socketCount(book: http.Agent['freeSockets'] | http.Agent['sockets']): number {
  return Object.values(book).reduce((n, list) => n + (list?.length ?? 0), 0);
}

/** Free (idle, pooled) connections of an undici Agent, from its `stats` (undici 7: one PoolStats per origin). */
export function undiciFree(dispatcher: { stats?: unknown }): number {
  const stats = (dispatcher.stats ?? {}) as Record<string, { free?: number } | undefined>;
  return Object.values(stats).reduce((n, s) => n + (s?.free ?? 0), 0);
}
