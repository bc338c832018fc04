/*
 * Trust model of the agent's connections to its API server.
 * - Trusts: the API server only when its certificate chains to the kubeconfig's CA (ClusterAccess).
 * - Carries: people's requests with their own JIT tokens on connections without a client
 *   certificate; the agent's own client certificate (when its kubeconfig has one) only on the
 *   connections of `self` requests, which never carry a person's request.
 */
import http2, { ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { PooledHttp2Session, PooledHttp2SessionOptions } from '@portcullis/platform/tunnel';
import type { Logger } from 'pino';
import { ClusterAccess, ConnectionCredential } from '../kubernetes/cluster-access';

const SESSION_OPTIONS: PooledHttp2SessionOptions = {
  // A real API server allows 100 streams per connection (the emulator too); the next request opens
  // another connection instead of queueing behind long-lived watches, so 10,000 watches fit.
  defaultStreams: 100,
  maxStreams: 100,
  pingIntervalMs: 30_000,
  pingTimeoutMs: 15_000,
  idleCloseMs: 5 * 60_000,
  pingFailure: 'the API server did not answer a ping',
};
const CONNECT_TIMEOUT_MS = 10_000;
// nghttp2's per-session memory cap (MB): 100 streams each holding up to a 64 KiB window of unread data.
const MAX_SESSION_MEMORY_MB = 64;
// The connection window: enough that streams whose readers are slow never hold it for the others.
const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * HTTP/2 connections to the cluster's API server, shared by every stream the tunnel carries. When
 * the TLS material changes (a rotated CA or client certificate), new streams go to new connections
 * and the old ones finish their streams and close.
 */
export class ApiServerSessionPool {
  private readonly sessions = new Map<string, PooledHttp2Session[]>();
  private readonly currentKeys = new Map<ConnectionCredential, string>();

  constructor(
    private readonly cluster: ClusterAccess,
    private readonly logger: Logger,
  ) {}

  /** Opens a stream to the API server; a connection failure surfaces as the stream's `error`. */
  open(credential: ConnectionCredential, headers: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream {
    const connection = this.cluster.connection(credential);
    this.useKey(credential, connection.poolKey);
    const sessions = this.sessions.get(connection.poolKey) ?? [];
    this.sessions.set(connection.poolKey, sessions);
    for (const candidate of sessions) {
      if (!candidate.hasRoom) continue;
      try {
        return candidate.open(headers, endStream);
      } catch {
        // The session went away between the check and the request; the next one may do.
        candidate.retire();
      }
    }
    return this.connect(connection.poolKey, connection.tls).open(headers, endStream);
  }

  get connectionCount(): number {
    let count = 0;
    for (const sessions of this.sessions.values()) count += sessions.length;
    return count;
  }

  /** Streams open to the API server now (requests in flight, watches, log follows). */
  get streamCount(): number {
    let count = 0;
    for (const sessions of this.sessions.values()) for (const pooled of sessions) count += pooled.active;
    return count;
  }

  closeAll(): void {
    for (const sessions of this.sessions.values()) for (const pooled of [...sessions]) pooled.session.destroy();
    this.sessions.clear();
  }

  /** Retires the connections made with TLS material that is no longer current. */
  private useKey(credential: ConnectionCredential, poolKey: string): void {
    if (this.currentKeys.get(credential) === poolKey) return;
    this.currentKeys.set(credential, poolKey);
    const inUse = new Set(this.currentKeys.values());
    for (const [key, sessions] of this.sessions) {
      if (inUse.has(key)) continue;
      for (const pooled of [...sessions]) pooled.close();
      this.sessions.delete(key);
    }
  }

  private connect(poolKey: string, options: tls.ConnectionOptions): PooledHttp2Session {
    const api = this.cluster.apiServer;
    const session = http2.connect(api.origin, {
      settings: { enablePush: false },
      maxSessionMemory: MAX_SESSION_MEMORY_MB,
      createConnection: () =>
        tls.connect({
          ...options,
          // Many small frames from many streams: Nagle would hold them for the server's delayed ACK.
          socket: net.connect({ host: api.hostname, port: api.port, noDelay: true }),
          ALPNProtocols: ['h2'],
        }),
    });
    const connectTimer = setTimeout(() => {
      session.destroy(Object.assign(new Error(`no connection to ${api.url} within ${CONNECT_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' }));
    }, CONNECT_TIMEOUT_MS);
    session.once('connect', () => {
      clearTimeout(connectTimer);
      session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    });
    session.once('close', () => clearTimeout(connectTimer));
    session.on('error', (error) => this.logger.warn({ err: error, apiServer: api.url }, 'API server connection failed'));
    const pooled = new PooledHttp2Session(session, SESSION_OPTIONS, (gone) => {
      const sessions = this.sessions.get(poolKey);
      const index = sessions?.indexOf(gone) ?? -1;
      if (sessions && index !== -1) sessions.splice(index, 1);
    });
    this.sessions.get(poolKey)?.push(pooled);
    return pooled;
  }
}
