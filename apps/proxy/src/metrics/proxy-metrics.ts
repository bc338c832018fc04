import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@portcullis/platform/service';
import { Counter, Gauge, Histogram } from 'prom-client';

/** The data plane's Prometheus series, on the service's /metrics. */
@Injectable()
export class ProxyMetrics {
  /** Every answered request; `cluster` is '' when the request named no known cluster. */
  private readonly requests: Counter<'cluster' | 'code'>;
  /** From sending a request upstream to the upstream's response headers. */
  private readonly upstreamLatency: Histogram<'cluster'>;
  readonly auditDropped: Counter;
  private readonly openStreams: Gauge;
  private readonly auditBufferDepth: Gauge;
  private readonly upstreamConnections: Gauge;
  private openStreamCount: () => number = () => 0;
  private auditDepth: () => number = () => 0;
  private upstreamConnectionCount: () => number = () => 0;
  private readonly requestSeries = new Map<string, Map<number, { inc(): void }>>();
  private readonly upstreamLatencySeries = new Map<string, { observe(value: number): void }>();

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.requests = new Counter({ name: 'proxy_requests_total', help: 'Requests answered by the data plane, by cluster and HTTP status', labelNames: ['cluster', 'code'], registers });
    this.upstreamLatency = new Histogram({
      name: 'proxy_upstream_latency_seconds',
      help: 'Time from forwarding a request to the API server until its response headers arrive',
      labelNames: ['cluster'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.auditDropped = new Counter({ name: 'proxy_audit_events_dropped_total', help: 'Request events lost because the audit buffer was full', registers });
    this.openStreams = new Gauge({
      name: 'proxy_open_streams',
      help: 'Requests in flight through the proxy, including watches, log follows and exec/port-forward sessions',
      registers,
      collect: () => this.openStreams.set(this.openStreamCount()),
    });
    this.auditBufferDepth = new Gauge({
      name: 'proxy_audit_buffer_events',
      help: 'Request events waiting to be published to JetStream',
      registers,
      collect: () => this.auditBufferDepth.set(this.auditDepth()),
    });
    this.upstreamConnections = new Gauge({
      name: 'proxy_upstream_connections',
      help: 'HTTP/2 connections open to API servers',
      registers,
      collect: () => this.upstreamConnections.set(this.upstreamConnectionCount()),
    });
  }

  /** Counts an answered request. The labelled series are found once per cluster and code, not per request. */
  countRequest(cluster: string, code: number): void {
    let byCode = this.requestSeries.get(cluster);
    if (!byCode) this.requestSeries.set(cluster, (byCode = new Map()));
    let series = byCode.get(code);
    if (!series) byCode.set(code, (series = this.requests.labels({ cluster, code: String(code) })));
    series.inc();
  }

  observeUpstreamLatency(cluster: string, seconds: number): void {
    let series = this.upstreamLatencySeries.get(cluster);
    if (!series) this.upstreamLatencySeries.set(cluster, (series = this.upstreamLatency.labels({ cluster })));
    series.observe(seconds);
  }

  observe(sources: { openStreams?: () => number; auditDepth?: () => number; upstreamConnections?: () => number }): void {
    if (sources.openStreams) this.openStreamCount = sources.openStreams;
    if (sources.auditDepth) this.auditDepth = sources.auditDepth;
    if (sources.upstreamConnections) this.upstreamConnectionCount = sources.upstreamConnections;
  }
}
