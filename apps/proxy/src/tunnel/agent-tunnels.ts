/*
 * Trust model of the agent tunnels this replica holds.
 * - Trusts: a tunnel only after TunnelServer verified the agent's certificate (agent CA chain,
 *   cluster name and id, fingerprint among those policy currently accepts for that cluster).
 * - Sends into a tunnel: the proxied requests of people already admitted by RequestGate, with
 *   their JIT tokens; the agent adds nothing but its own API server's address.
 * - Re-checks: every cluster change (re-registration, removal) closes tunnels whose identity
 *   policy no longer accepts; a tunnel that stops answering pings is cut and forgotten.
 */
import { Inject, Injectable } from '@nestjs/common';
import { Subjects } from '@portcullis/contracts';
import { EventPublisher } from '@portcullis/platform/messaging';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS } from '@portcullis/platform/tunnel';
import { randomUUID } from 'node:crypto';
import { constants as http2Constants, ClientHttp2Session, ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import type { Logger } from 'pino';
import { ProxyConfig } from '../config/proxy.config';
import { ProxyErrorCode, ProxyException } from '../errors/proxy.exception';
import { PeerRelays } from './peer-relays';
import { TunnelMetrics } from './tunnel-metrics';
import { TunnelPresence } from './tunnel-presence';

export interface AgentTunnel {
  cluster: string;
  clusterId: string;
  fingerprint: string;
  agentVersion: string;
  peerAddress: string;
  connectedAt: Date;
  heartbeatAt: Date;
  session: ClientHttp2Session;
}

function disconnected(cluster: string): ProxyException {
  return new ProxyException(ProxyErrorCode.ClusterDisconnected, `cluster "${cluster}" is reached through its Portcullis agent, which is not connected; retry later`);
}

export type TunnelEventKind = 'connected' | 'disconnected' | 'refused';

/**
 * The tunnels this replica holds, by cluster name, and the way to the others': where
 * UpstreamPool and the upgrade handler get their streams for agent-mode clusters.
 */
@Injectable()
export class AgentTunnels {
  private readonly tunnels = new Map<string, AgentTunnel>();
  private readonly closing = new WeakMap<ClientHttp2Session, string>();
  private readonly logger: Logger;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly metrics: TunnelMetrics,
    private readonly presence: TunnelPresence,
    private readonly peers: PeerRelays,
    @Inject(SERVICE_CONFIG) private readonly config: ProxyConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'agent-tunnels' });
    metrics.observe(() => this.tunnels.size);
  }

  get size(): number {
    return this.tunnels.size;
  }

  get(cluster: string): AgentTunnel | undefined {
    return this.tunnels.get(cluster);
  }

  all(): AgentTunnel[] {
    return [...this.tunnels.values()];
  }

  /**
   * Opens a request stream through the cluster's tunnel: this replica's, or the replica's that
   * holds it (over the relay); 503 naming the cluster when no replica does. `localOnly`: the
   * relay serving a peer, which must never forward again.
   */
  open(cluster: string, headers: OutgoingHttpHeaders, endStream: boolean, localOnly = false): ClientHttp2Stream {
    const local = this.localSession(cluster);
    if (local) return local.request(headers, { endStream });
    const holder = localOnly ? undefined : this.remoteHolder(cluster);
    if (holder) return this.peers.open(holder, cluster, headers, endStream);
    throw disconnected(cluster);
  }

  /** A CONNECT stream: the agent connects it to its API server and relays raw bytes (upgrades). */
  openRaw(cluster: string, localOnly = false): ClientHttp2Stream {
    const local = this.localSession(cluster);
    if (local) return local.request({ ':method': 'CONNECT', ':authority': 'kubernetes.default.svc:443' });
    const holder = localOnly ? undefined : this.remoteHolder(cluster);
    if (holder) return this.peers.openRaw(holder, cluster);
    throw disconnected(cluster);
  }

  /** Takes over a verified tunnel; an older one of the same cluster is drained (its streams finish). */
  attach(tunnel: AgentTunnel): void {
    const previous = this.tunnels.get(tunnel.cluster);
    this.tunnels.set(tunnel.cluster, tunnel);
    if (previous) this.close(previous, 'replaced by a newer tunnel of the same agent', false);
    const { session } = tunnel;
    const heartbeat = setInterval(() => this.ping(tunnel), HEARTBEAT_INTERVAL_MS);
    heartbeat.unref();
    this.presence.announce(tunnel);
    session.once('close', () => {
      clearInterval(heartbeat);
      if (this.tunnels.get(tunnel.cluster) === tunnel) {
        this.tunnels.delete(tunnel.cluster);
        this.presence.withdraw(tunnel.cluster);
      }
      this.record('disconnected', tunnel, this.closing.get(session) ?? 'the agent closed the tunnel');
    });
    session.on('goaway', () => {
      if (this.tunnels.get(tunnel.cluster) === tunnel) this.tunnels.delete(tunnel.cluster);
    });
    this.record('connected', tunnel, null);
  }

  /**
   * Closes the cluster's tunnel unless `accepted` still holds for its certificate (the cluster
   * was re-registered or removed). `accepted` null: the cluster is gone.
   */
  recheck(cluster: string, accepted: ReadonlySet<string> | null): void {
    const tunnel = this.tunnels.get(cluster);
    if (!tunnel || accepted?.has(tunnel.fingerprint)) return;
    this.close(tunnel, accepted ? 'the agent identity was revoked (the cluster was re-registered)' : 'the cluster was removed from Portcullis', true);
  }

  closeAll(reason: string): void {
    for (const tunnel of [...this.tunnels.values()]) this.close(tunnel, reason, true);
  }

  /** A tunnel refused before it was attached: audit record, metric, log line. */
  refused(cluster: string | null, clusterId: string | null, peerAddress: string, reason: string): void {
    this.logger.warn({ cluster, peerAddress, reason }, 'refused an agent tunnel');
    this.publish('refused', { cluster, clusterId, agentVersion: null, peerAddress, reason });
  }

  private close(tunnel: AgentTunnel, reason: string, now: boolean): void {
    if (this.tunnels.get(tunnel.cluster) === tunnel) {
      this.tunnels.delete(tunnel.cluster);
      this.presence.withdraw(tunnel.cluster);
    }
    const { session } = tunnel;
    if (session.destroyed) return;
    this.closing.set(session, reason);
    if (now) {
      // The agent learns why from the GOAWAY's debug data; its open streams end with it.
      session.goaway(http2Constants.NGHTTP2_NO_ERROR, 0, Buffer.from(reason));
      session.destroy();
    } else {
      session.close();
    }
  }

  private ping(tunnel: AgentTunnel): void {
    const { session } = tunnel;
    if (session.destroyed) return;
    const timer = setTimeout(() => {
      this.closing.set(session, `the agent did not answer a heartbeat within ${HEARTBEAT_TIMEOUT_MS} ms`);
      session.destroy();
    }, HEARTBEAT_TIMEOUT_MS);
    timer.unref();
    const sent = session.ping((error) => {
      clearTimeout(timer);
      if (error) {
        this.closing.set(session, `heartbeat failed (${error.message})`);
        session.destroy();
        return;
      }
      tunnel.heartbeatAt = new Date();
      if (this.tunnels.get(tunnel.cluster) === tunnel) this.presence.announce(tunnel);
    });
    if (!sent) clearTimeout(timer);
  }

  private localSession(cluster: string): ClientHttp2Session | undefined {
    const tunnel = this.tunnels.get(cluster);
    return tunnel && !tunnel.session.destroyed && !tunnel.session.closed ? tunnel.session : undefined;
  }

  private remoteHolder(cluster: string): string | undefined {
    return this.peers.enabled ? this.presence.holderOf(cluster)?.relayUrl : undefined;
  }

  private record(kind: TunnelEventKind, tunnel: AgentTunnel, reason: string | null): void {
    const fields = { cluster: tunnel.cluster, clusterId: tunnel.clusterId, agentVersion: tunnel.agentVersion, peerAddress: tunnel.peerAddress, reason };
    if (kind === 'connected') this.logger.info(fields, 'agent tunnel connected');
    else this.logger.warn(fields, 'agent tunnel disconnected');
    this.publish(kind, fields);
  }

  private publish(kind: TunnelEventKind, fields: { cluster: string | null; clusterId: string | null; agentVersion: string | null; peerAddress: string; reason: string | null }): void {
    this.metrics.events.inc({ kind });
    const event = { id: randomUUID(), occurredAt: new Date().toISOString(), kind, replica: this.config.PROXY_REPLICA_NAME, ...fields, reason: fields.reason?.slice(0, 500) ?? null };
    this.publisher.publish(Subjects.proxyTunnel, event).catch((error: unknown) => this.logger.warn({ err: error, kind, cluster: fields.cluster }, 'could not record a tunnel event'));
  }
}
