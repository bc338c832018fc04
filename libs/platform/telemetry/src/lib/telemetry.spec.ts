import type { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { startTelemetry, stopTelemetry } from './telemetry';

// The real exporter loads `http` with a dynamic import(), which jest's CommonJS runtime refuses, so
// the test records what startTelemetry hands the exporter instead of receiving an export.
type ExporterConfig = NonNullable<ConstructorParameters<typeof OTLPTraceExporter>[0]>;
const exporterConfigs: ExporterConfig[] = [];
jest.mock('@opentelemetry/exporter-trace-otlp-http', () => ({
  OTLPTraceExporter: class {
    constructor(config: ExporterConfig) {
      exporterConfigs.push(config);
    }
    export(_spans: unknown, done: (result: { code: number }) => void): void {
      done({ code: 0 });
    }
    async shutdown(): Promise<void> {
      return undefined;
    }
    async forceFlush(): Promise<void> {
      return undefined;
    }
  },
}));

describe(startTelemetry.name, () => {
  afterEach(() => stopTelemetry());

  it('keeps OTLP header values that contain `=` and percent-decodes encoded ones', () => {
    startTelemetry({
      serviceName: 'telemetry-spec',
      otlpEndpoint: 'http://collector.invalid:4318/',
      otlpHeaders: 'Authorization=Basic dXNlcjpwYXNz==, x-scope-orgid = team%20a%2Cb%3Dc',
    });

    expect(exporterConfigs).toHaveLength(1);
    expect(exporterConfigs[0].url).toBe('http://collector.invalid:4318/v1/traces');
    expect(exporterConfigs[0].headers).toEqual({ Authorization: 'Basic dXNlcjpwYXNz==', 'x-scope-orgid': 'team a,b=c' });
  });

  it('gives spans trace ids without recording them when they go nowhere', () => {
    startTelemetry({ serviceName: 'telemetry-spec' });

    const span = trace.getTracer('spec').startSpan('unexported');
    expect(trace.isSpanContextValid(span.spanContext())).toBe(true);
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it('records every span when an exporter receives them', async () => {
    const exporter = new InMemorySpanExporter();
    startTelemetry({ serviceName: 'telemetry-spec', exporter });

    const span = trace.getTracer('spec').startSpan('exported');
    expect(span.isRecording()).toBe(true);
    span.end();
    for (let waited = 0; exporter.getFinishedSpans().length === 0 && waited < 1_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(exporter.getFinishedSpans().map((finished) => finished.name)).toEqual(['exported']);
  });
});
