import type { PolicyViolation, SecureConnectionEvent } from '../policy/types.js';

/** Counters for one host (or for `'(other)'`, where hosts past the cap are folded). */
export interface HostStats {
  readonly connections: {
    readonly total: number;
    readonly byProtocol: Readonly<Record<string, number>>;
    readonly byCipher: Readonly<Record<string, number>>;
  };
  readonly violations: {
    readonly total: number;
    readonly byKind: Readonly<Record<string, number>>;
    readonly byAction: Readonly<Record<string, number>>;
  };
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** A snapshot of what a policy has seen since it was made (or since `resetStats()`). */
export interface TlsPolicyStats {
  readonly since: string;
  readonly totals: { readonly connections: number; readonly violations: number };
  /** Per host; at most `maxHosts` names, the rest counted under `'(other)'`. */
  readonly hosts: Readonly<Record<string, HostStats>>;
}

interface MutableHost {
  connections: { total: number; byProtocol: Record<string, number>; byCipher: Record<string, number> };
  violations: { total: number; byKind: Record<string, number>; byAction: Record<string, number> };
  firstSeen: string;
  lastSeen: string;
}

export const OTHER_HOSTS = '(other)';

const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * Bounded counters: a process that talks to thousands of hosts keeps `maxHosts` entries and
 * one `'(other)'` bucket, so memory stays flat whatever the traffic.
 */
export class PolicyStats {
  readonly #maxHosts: number;
  #since = new Date().toISOString();
  #hosts = new Map<string, MutableHost>();
  #connections = 0;
  #violations = 0;

  constructor(maxHosts = 256) {
    this.#maxHosts = maxHosts;
  }

  #host(name: string, time: string): MutableHost {
    let key = name;
    if (!this.#hosts.has(key) && this.#hosts.size >= this.#maxHosts) key = OTHER_HOSTS;
    let entry = this.#hosts.get(key);
    if (entry === undefined) {
      entry = {
        connections: { total: 0, byProtocol: {}, byCipher: {} },
        violations: { total: 0, byKind: {}, byAction: {} },
        firstSeen: time,
        lastSeen: time,
      };
      this.#hosts.set(key, entry);
    }
    entry.lastSeen = time;
    return entry;
  }

  recordSecure(event: SecureConnectionEvent): void {
    const host = this.#host(event.host, event.time);
    this.#connections += 1;
    host.connections.total += 1;
    bump(host.connections.byProtocol, event.protocol);
    bump(host.connections.byCipher, event.cipher);
  }

  recordViolation(violation: PolicyViolation): void {
    const host = this.#host(violation.host, violation.time);
    this.#violations += 1;
    host.violations.total += 1;
    bump(host.violations.byKind, violation.kind);
    bump(host.violations.byAction, violation.action ?? 'none');
  }

  snapshot(): TlsPolicyStats {
    const hosts: Record<string, HostStats> = {};
    for (const [name, h] of this.#hosts) hosts[name] = structuredClone(h);
    return { since: this.#since, totals: { connections: this.#connections, violations: this.#violations }, hosts };
  }

  reset(): void {
    this.#since = new Date().toISOString();
    this.#hosts = new Map();
    this.#connections = 0;
    this.#violations = 0;
  }
}
