/*
 * Trust model of the proxy's upstream side.
 * - Trusts: a cluster's API server only when its certificate chains to the CA bundle registered
 *   for that cluster in policy (or to the public roots when none is registered); an agent-mode
 *   cluster only through the tunnel its verified agent opened (AgentTunnels).
 * - Sends: the person's short-lived JIT ServiceAccount token; never a standing credential, never
 *   the client's own Authorization or Impersonate-* headers.
 */
import { ClusterEndpointV2 as ClusterEndpoint } from '@portcullis/contracts';
import { PooledHttp2Session, PooledHttp2SessionOptions } from '@portcullis/platform/tunnel';
import http2, { ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import net, { isIP } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';

/** Where requests for a cluster go: the API server URL may carry a path prefix, which is kept. */
export interface UpstreamTarget {
  cluster: string;
  /** direct: dialled here; agent: through the cluster's tunnel, never dialled. */
  mode: 'direct' | 'agent';
  origin: string;
  authority: string;
  hostname: string;
  port: number;
  basePath: string;
  ca: string | undefined;
}

export function upstreamTarget(endpoint: ClusterEndpoint): UpstreamTarget {
  const url = new URL(endpoint.server);
  if (endpoint.mode === 'agent') {
    // The agent knows its API server; requests carry the path from the API server's root.
    return { cluster: endpoint.name, mode: 'agent', origin: url.origin, authority: url.host, hostname: url.hostname, port: Number(url.port || 443), basePath: '', ca: undefined };
  }
  return {
    cluster: endpoint.name,
    mode: 'direct',
    origin: url.origin,
    authority: url.host,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 443),
    basePath: url.pathname.replace(/\/+$/, ''),
    ca: endpoint.caBundle ?? undefined,
  };
}

const SESSION_OPTIONS: PooledHttp2SessionOptions = {
  // Until the server's SETTINGS arrive, assume the API server's observed limit.
  defaultStreams: 100,
  // A server announcing "unlimited" still gets spread over connections.
  maxStreams: 250,
  pingIntervalMs: 30_000,
  pingTimeoutMs: 15_000,
  idleCloseMs: 5 * 60_000,
  pingFailure: 'upstream did not answer a ping',
};

/** Streams through agent tunnels (AgentTunnels), for clusters in agent mode. */
export interface TunnelStreams {
  open(cluster: string, headers: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream;
}

/**
 * HTTP/2 connections to each cluster's API server, shared by every person's requests (the token
 * travels per request). A connection carries as many streams as its server allows; the next
 * request opens another connection instead of queueing behind long-lived watches.
 */
export class UpstreamPool {
  private readonly sessions = new Map<string, PooledHttp2Session[]>();

  constructor(
    private readonly connectTimeoutMs: number,
    private readonly logger: Logger,
    private readonly tunnels: TunnelStreams,
  ) {}

  /**
   * Opens a stream; connection failures surface as the stream's `error`. An agent-mode cluster
   * whose tunnel is down throws (a ProxyException the caller answers with 503).
   */
  open(target: UpstreamTarget, headers: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream {
    if (target.mode === 'agent') return this.tunnels.open(target.cluster, headers, endStream);
    const key = poolKey(target);
    const sessions = this.sessions.get(key) ?? [];
    this.sessions.set(key, sessions);
    for (const candidate of sessions) {
      if (!candidate.hasRoom) continue;
      try {
        return candidate.open(headers, endStream);
      } catch {
        // The session went away between checks; retire it and try the next one.
        candidate.retire();
      }
    }
    return this.connect(key, target).open(headers, endStream);
  }

  /** Stops using a cluster's connections (its address or CA changed); open streams finish on them. */
  retire(cluster: string): void {
    for (const [key, sessions] of this.sessions) {
      if (!key.startsWith(`${cluster}\n`)) continue;
      for (const session of [...sessions]) session.close();
      this.sessions.delete(key);
    }
  }

  get connectionCount(): number {
    let count = 0;
    for (const sessions of this.sessions.values()) count += sessions.length;
    return count;
  }

  closeAll(): void {
    for (const sessions of this.sessions.values()) for (const session of [...sessions]) session.session.destroy();
    this.sessions.clear();
  }

  private connect(key: string, target: UpstreamTarget): PooledHttp2Session {
    const session = http2.connect(target.origin, {
      settings: { enablePush: false },
      // Lots of idle watches per connection: let nghttp2 hold their buffers.
      maxSessionMemory: 64,
      createConnection: () =>
        tls.connect({
          // Many small frames from many streams: Nagle would hold them for the server's delayed ACK.
          socket: net.connect({ host: target.hostname, port: target.port, noDelay: true }),
          ca: target.ca,
          servername: isIP(target.hostname) ? undefined : target.hostname,
          ALPNProtocols: ['h2'],
        }),
    });
    const connectTimer = setTimeout(() => {
      session.destroy(Object.assign(new Error(`no connection to ${target.authority} within ${this.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, this.connectTimeoutMs);
    session.once('connect', () => clearTimeout(connectTimer));
    session.once('close', () => clearTimeout(connectTimer));
    session.on('error', (error) => this.logger.warn({ err: error, cluster: target.cluster }, 'upstream connection failed'));
    const pooled = new PooledHttp2Session(session, SESSION_OPTIONS, (gone) => {
      const sessions = this.sessions.get(key);
      const index = sessions?.indexOf(gone) ?? -1;
      if (sessions && index !== -1) sessions.splice(index, 1);
    });
    this.sessions.get(key)?.push(pooled);
    return pooled;
  }
}

function poolKey(target: UpstreamTarget): string {
  return `${target.cluster}\n${target.origin}\n${target.ca ?? ''}`;
}
