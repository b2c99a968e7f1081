import { TlsPolicyError } from '../policy/errors.js';
import { otelTlsVersion } from '../policy/tls-options.js';
import { loadOptional } from '../support/optional-require.js';
import type { TlsPolicy } from '../tls-policy.js';
import type { PolicyViolation, SecureConnectionEvent } from '../policy/types.js';

/** The slice of an OpenTelemetry `Meter` used here (so @opentelemetry/api stays optional). */
export interface MeterLike {
  createCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): { add(value: number, attributes?: Record<string, string | boolean>): void };
}

export interface TlsPolicyMetricsOptions {
  /** The meter to record on. Default: `metrics.getMeter('m365-tls-policy')` from @opentelemetry/api. */
  meter?: MeterLike | undefined;
}

/** Counter names. */
export const METRIC_CONNECTIONS = 'm365_tls_policy.connections';
export const METRIC_VIOLATIONS = 'm365_tls_policy.violations';

/**
 * Records the policy's events as OpenTelemetry counters: connections that passed, with
 * `server.address`, `tls.protocol.name`, `tls.protocol.version` (`1.2`, `1.3`), `tls.cipher`
 * (IANA name) and `tls.resumed` as the TLS semantic conventions name them; violations with
 * `kind`, `action` and `server.address`. Returns a function that stops recording.
 */
export function instrumentTlsPolicy(policy: TlsPolicy, options: TlsPolicyMetricsOptions = {}): () => void {
  let meter = options.meter;
  if (meter === undefined) {
    const api = loadOptional<{ metrics: { getMeter(name: string): MeterLike } }>('@opentelemetry/api');
    if (api === undefined) {
      throw new TlsPolicyError(
        'ERR_TLS_POLICY_MISSING_DEPENDENCY',
        "instrumentTlsPolicy needs '@opentelemetry/api' (an optional peer dependency): npm install @opentelemetry/api, or pass options.meter",
      );
    }
    meter = api.metrics.getMeter('m365-tls-policy');
  }
  const connections = meter.createCounter(METRIC_CONNECTIONS, {
    description: 'TLS connections to in-scope hosts that passed the policy',
    unit: '{connection}',
  });
  const violations = meter.createCounter(METRIC_VIOLATIONS, {
    description: 'TLS policy violations (downgrade attempts) by kind and action',
    unit: '{violation}',
  });

  const onSecure = (e: SecureConnectionEvent): void => {
    connections.add(1, {
      'server.address': e.host,
      'tls.protocol.name': 'tls',
      'tls.protocol.version': otelTlsVersion(e.protocol) ?? e.protocol,
      'tls.cipher': e.cipherStandardName ?? e.cipher,
      'tls.resumed': e.sessionReused,
    });
  };
  const onViolation = (v: PolicyViolation): void => {
    violations.add(1, { kind: v.kind, action: v.action ?? 'none', 'server.address': v.host });
  };
  policy.on('secure', onSecure);
  policy.on('violation', onViolation);
  return () => {
    policy.off('secure', onSecure);
    policy.off('violation', onViolation);
  };
}
