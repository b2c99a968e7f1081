import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createHttpsAgent, createTlsPolicy, instrumentTlsPolicy, METRIC_CONNECTIONS, METRIC_VIOLATIONS } from '../src/index.js';
import { request } from './helpers/client.js';
import { withServers } from './helpers/tls-server.js';

type Point = { attributes: Record<string, unknown>; value: unknown };

async function collect(exporter: InMemoryMetricExporter, reader: PeriodicExportingMetricReader): Promise<Map<string, Point[]>> {
  await reader.forceFlush();
  const byName = new Map<string, Point[]>();
  for (const resource of exporter.getMetrics()) {
    for (const scope of resource.scopeMetrics) {
      for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric.dataPoints as unknown as Point[]);
    }
  }
  return byName;
}

describe('OpenTelemetry metrics (instrumentTlsPolicy)', () => {
  it('counts passed connections with TLS semantic-convention attributes and violations by kind and action', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    try {
      await withServers([{ versions: ['TLSv1.3'] }, { versions: ['TLSv1'] }], async ([modern, legacy]) => {
        const policy = createTlsPolicy();
        const stop = instrumentTlsPolicy(policy); // the global meter provider, through @opentelemetry/api
        const agent = createHttpsAgent({ policy, keepAlive: false });
        await request(agent, 'graph.microsoft.com', modern!.port);
        await request(agent, 'graph.microsoft.com', modern!.port);
        await request(agent, 'outlook.office365.com', legacy!.port);
        stop();
        await request(agent, 'outlook.office365.com', legacy!.port); // not counted any more
        agent.destroy();
      });
      const points = await collect(exporter, reader);
      const connections = points.get(METRIC_CONNECTIONS) ?? [];
      assert.equal(
        connections.reduce((n, p) => n + Number(p.value), 0),
        2,
      );
      for (const p of connections) {
        assert.equal(p.attributes['server.address'], 'graph.microsoft.com');
        assert.equal(p.attributes['tls.protocol.name'], 'tls');
        assert.equal(p.attributes['tls.protocol.version'], '1.3');
        assert.match(String(p.attributes['tls.cipher']), /^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/u);
      }
      const resumed = connections.map((p) => p.attributes['tls.resumed']).sort();
      assert.deepEqual(resumed, [false, true]);
      const violations = points.get(METRIC_VIOLATIONS) ?? [];
      assert.deepEqual(
        violations.map((p) => [p.attributes['kind'], p.attributes['action'], p.attributes['server.address'], p.value]),
        [['legacy-server', 'blocked', 'outlook.office365.com', 1]],
      );
    } finally {
      await provider.shutdown();
      metrics.disable();
    }
  });
});
