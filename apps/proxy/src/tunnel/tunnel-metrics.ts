import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@portcullis/platform/service';
import { Counter, Gauge } from 'prom-client';

/** The tunnel endpoint's Prometheus series. */
@Injectable()
export class TunnelMetrics {
  readonly events: Counter<'kind'>;
  readonly enrollments: Counter<'kind' | 'outcome'>;
  private readonly tunnels: Gauge;
  private tunnelCount: () => number = () => 0;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.events = new Counter({ name: 'proxy_agent_tunnel_events_total', help: 'Agent tunnels connected, disconnected and refused', labelNames: ['kind'], registers });
    this.enrollments = new Counter({
      name: 'proxy_agent_enrollments_total',
      help: 'Agent enrollments and renewals through the tunnel endpoint, by outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.tunnels = new Gauge({ name: 'proxy_agent_tunnels', help: 'Agent tunnels this replica holds', registers, collect: () => this.tunnels.set(this.tunnelCount()) });
  }

  observe(tunnels: () => number): void {
    this.tunnelCount = tunnels;
  }
}
