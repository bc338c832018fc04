import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@portcullis/platform/service';
import { Counter, Gauge } from 'prom-client';

/** Why a tunnel attempt never became a tunnel (bounded label values; the details go to the log). */
export type TunnelRefusalReason = 'unreachable' | 'tls' | 'alpn' | 'goaway' | 'timeout' | 'closed';
/** Why a tunnel that was up went away. */
export type TunnelDisconnectReason = 'goaway' | 'heartbeat' | 'closed' | 'error' | 'stopped';
export type IdentityOutcome = 'issued' | 'refused' | 'failed';

/** The agent's Prometheus series, on its /metrics. */
@Injectable()
export class AgentMetrics {
  readonly tunnelConnects: Counter;
  readonly tunnelDisconnects: Counter<'reason'>;
  readonly tunnelRefusals: Counter<'reason'>;
  readonly enrollments: Counter<'outcome'>;
  readonly renewals: Counter<'outcome'>;
  private readonly tunnelUp: Gauge;
  private readonly activeStreams: Gauge;
  private readonly apiServerConnections: Gauge;
  private readonly apiServerStreams: Gauge;
  private tunnelIsUp: () => boolean = () => false;
  private activeStreamCount: () => number = () => 0;
  private apiServerConnectionCount: () => number = () => 0;
  private apiServerStreamCount: () => number = () => 0;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.tunnelUp = new Gauge({
      name: 'agent_tunnel_up',
      help: '1 while a tunnel to the proxy is up, 0 otherwise',
      registers,
      collect: () => this.tunnelUp.set(this.tunnelIsUp() ? 1 : 0),
    });
    this.tunnelConnects = new Counter({ name: 'agent_tunnel_connects_total', help: 'Tunnels to the proxy established', registers });
    this.tunnelDisconnects = new Counter({
      name: 'agent_tunnel_disconnects_total',
      help: 'Tunnels that were up and went away, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.tunnelRefusals = new Counter({
      name: 'agent_tunnel_refusals_total',
      help: 'Tunnel attempts that never became a tunnel, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.activeStreams = new Gauge({
      name: 'agent_tunnel_active_streams',
      help: 'Streams the tunnel carries now: requests, watches, log follows and upgraded connections',
      registers,
      collect: () => this.activeStreams.set(this.activeStreamCount()),
    });
    this.apiServerConnections = new Gauge({
      name: 'agent_api_server_connections',
      help: 'HTTP/2 connections open to the API server',
      registers,
      collect: () => this.apiServerConnections.set(this.apiServerConnectionCount()),
    });
    this.apiServerStreams = new Gauge({
      name: 'agent_api_server_streams',
      help: 'Streams open to the API server: requests in flight, watches and log follows',
      registers,
      collect: () => this.apiServerStreams.set(this.apiServerStreamCount()),
    });
    this.enrollments = new Counter({ name: 'agent_enrollments_total', help: 'Enrollments with a bootstrap token, by outcome', labelNames: ['outcome'], registers });
    this.renewals = new Counter({ name: 'agent_renewals_total', help: 'Certificate renewals, by outcome', labelNames: ['outcome'], registers });
  }

  observe(sources: { tunnelUp?: () => boolean; activeStreams?: () => number; apiServerConnections?: () => number; apiServerStreams?: () => number }): void {
    if (sources.tunnelUp) this.tunnelIsUp = sources.tunnelUp;
    if (sources.activeStreams) this.activeStreamCount = sources.activeStreams;
    if (sources.apiServerConnections) this.apiServerConnectionCount = sources.apiServerConnections;
    if (sources.apiServerStreams) this.apiServerStreamCount = sources.apiServerStreams;
  }
}
