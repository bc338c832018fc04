import { context, propagation, trace, Span, SpanKind, SpanStatusCode, Context } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  otlpEndpoint?: string;
  otlpHeaders?: string;
  /** Tests pass an in-memory exporter to inspect spans. */
  exporter?: SpanExporter;
}

let sdk: NodeSDK | undefined;

/**
 * Must run before Nest, express or http are imported, or their instrumentation misses.
 * Without an endpoint spans are still created (trace ids reach logs and NATS headers) but
 * not exported.
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (sdk) return;
  const spanProcessors: SpanProcessor[] = [];
  if (options.exporter) spanProcessors.push(new SimpleSpanProcessor({ exporter: options.exporter }));
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    // The SDK's own parser for OTEL_EXPORTER_OTLP_HEADERS: splits each pair at its first `=` only,
    // so base64 padding in `Authorization=Basic dXNlcjpwYXNz==` survives, and percent-decodes.
    const headers = parseKeyPairsIntoRecord(options.otlpHeaders);
    spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url, headers }) }));
  }
  // Without any processor the SDK registers no tracer at all, and trace ids would vanish from
  // logs, audit events and NATS headers; a no-op processor keeps ids without exporting. Spans that
  // go nowhere are not recorded either (the sampler still gives each a trace id): recording them
  // cost the proxy about a tenth of its time per request. With an exporter, OTEL_TRACES_SAMPLER
  // decides as usual (default: every trace).
  const exporting = spanProcessors.length > 0;
  if (!exporting) spanProcessors.push(new NoopSpanProcessor());
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors,
    ...(exporting ? {} : { sampler: new AlwaysOffSampler() }),
    // Logs go to stdout (pino) and metrics to /metrics (Prometheus); without these empty lists
    // the SDK would start OTLP log and metric exporters aimed at localhost.
    logRecordProcessors: [],
    metricReaders: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes every few seconds would drown real traces.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? ''),
      }),
    ],
  });
  sdk.start();
}

export async function stopTelemetry(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
  // The SDK leaves its providers registered globally; without this a later start would keep them.
  trace.disable();
  context.disable();
  propagation.disable();
}

export type TraceCarrier = Record<string, string>;

/** W3C trace context of the active span, for a message header or an outbox row. */
export function injectTraceContext(from: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(from, carrier);
  return carrier;
}

export function extractTraceContext(carrier: TraceCarrier): Context {
  return propagation.extract(context.active(), carrier);
}

export function currentTraceId(): string | null {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : null;
}

/** Runs `fn` inside a span that records failure and always ends. */
export async function withSpan<T>(
  name: string,
  options: { kind: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer('portcullis');
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(name, { kind: options.kind, attributes: options.attributes }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { SpanKind };
