/*
 * Trust model of the agent's connections to its API server.
 * - Trusts: the API server only when its certificate chains to the kubeconfig's CA (ClusterAccess).
 * - Carries: people's requests with their own JIT tokens on connections without a client
 *   certificate; the agent's own client certificate (when its kubeconfig has one) only on the
 *   connections of `self` requests, which never carry a person's request.
 */
import http2, { ClientHttp2Session, ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { ClusterAccess, ConnectionCredential } from '../kubernetes/cluster-access';

// A real API server allows 100 streams per connection (the emulator too); the next request opens
// another connection instead of queueing behind long-lived watches, so 10,000 watches fit.
const STREAMS_PER_SESSION = 100;
const CONNECT_TIMEOUT_MS = 10_000;
const PING_INTERVAL_MS = 30_000;
const PING_TIMEOUT_MS = 15_000;
const IDLE_CLOSE_MS = 5 * 60_000;
// nghttp2's per-session memory cap (MB): 100 streams each holding up to a 64 KiB window of unread data.
const MAX_SESSION_MEMORY_MB = 64;
// The connection window: enough that streams whose readers are slow never hold it for the others.
const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;

class PooledSession {
  active = 0;
  capacity = STREAMS_PER_SESSION;
  usable = true;
  private idleTimer?: NodeJS.Timeout;
  private readonly pingTimer: NodeJS.Timeout;

  constructor(
    readonly session: ClientHttp2Session,
    private readonly onGone: (session: PooledSession) => void,
  ) {
    session.on('remoteSettings', (settings) => {
      this.capacity = Math.max(1, Math.min(settings.maxConcurrentStreams ?? STREAMS_PER_SESSION, STREAMS_PER_SESSION));
    });
    session.on('goaway', () => this.retire());
    session.on('error', () => this.retire());
    session.once('close', () => {
      this.retire();
      clearInterval(this.pingTimer);
      clearTimeout(this.idleTimer);
    });
    // A connection that silently died would hold every watch on it forever; a missed ping ends it.
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS).unref();
  }

  get hasRoom(): boolean {
    return this.usable && this.active < this.capacity;
  }

  open(headers: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream {
    const stream = this.session.request(headers, { endStream });
    this.active++;
    clearTimeout(this.idleTimer);
    stream.once('close', () => {
      this.active--;
      if (this.active === 0 && this.usable) this.idleTimer = setTimeout(() => this.session.close(), IDLE_CLOSE_MS).unref();
    });
    return stream;
  }

  retire(): void {
    if (!this.usable) return;
    this.usable = false;
    this.onGone(this);
  }

  /** Stops taking streams; the open ones finish on it. */
  close(): void {
    this.retire();
    if (!this.session.destroyed) this.session.close();
  }

  private ping(): void {
    if (this.session.destroyed || this.session.connecting) return;
    const timer = setTimeout(() => this.session.destroy(new Error('the API server did not answer a ping')), PING_TIMEOUT_MS).unref();
    const sent = this.session.ping((error) => {
      clearTimeout(timer);
      if (error && !this.session.destroyed) this.session.destroy(error);
    });
    if (!sent) clearTimeout(timer);
  }
}

/**
 * HTTP/2 connections to the cluster's API server, shared by every stream the tunnel carries. When
 * the TLS material changes (a rotated CA or client certificate), new streams go to new connections
 * and the old ones finish their streams and close.
 */
export class ApiServerSessionPool {
  private readonly sessions = new Map<string, PooledSession[]>();
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

  private connect(poolKey: string, options: tls.ConnectionOptions): PooledSession {
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
    const pooled = new PooledSession(session, (gone) => {
      const sessions = this.sessions.get(poolKey);
      const index = sessions?.indexOf(gone) ?? -1;
      if (sessions && index !== -1) sessions.splice(index, 1);
    });
    this.sessions.get(poolKey)?.push(pooled);
    return pooled;
  }
}
