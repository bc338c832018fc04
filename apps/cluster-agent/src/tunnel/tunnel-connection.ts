import { TUNNEL_ALPN } from '@portcullis/platform/tunnel';
import { constants, Http2Server, ServerHttp2Session } from 'node:http2';
import { isIP } from 'node:net';
import tls, { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { TunnelDisconnectReason, TunnelRefusalReason } from '../metrics/agent-metrics';

export interface TunnelConnectionOptions {
  url: URL;
  /** PEM CA bundle for the proxy's certificate; undefined: the public roots. */
  ca: string | undefined;
  certificatePem: string;
  keyPem: string;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

export type TunnelOutcome =
  | { wasUp: false; reason: TunnelRefusalReason; detail: string }
  | { wasUp: true; reason: TunnelDisconnectReason; detail: string; upForMs: number };

const HANDSHAKE_TIMEOUT_MS = 15_000;
// The connection window for what the proxy sends (request bodies, upgrade bytes): large, so many
// streams move at once. Per-stream windows stay at the default, so one stream whose reader stalls
// holds at most its own 64 KiB, never the connection.
const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;
const MAX_DEBUG_CHARS = 500;

/** GOAWAY debug data as one printable line: the proxy's reason for refusing the tunnel. */
function debugText(data: Buffer | undefined): string {
  if (!data?.length) return '';
  // eslint-disable-next-line no-control-regex -- control characters would forge log lines
  return data.toString('utf8').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, MAX_DEBUG_CHARS);
}

/**
 * One attempt at a tunnel: TLS out to the proxy with the agent's certificate, then HTTP/2 with the
 * roles reversed (the proxy's client session on the agent's socket), a heartbeat, and an outcome
 * once it is over. A tunnel counts as up from the proxy's first stream on it.
 */
export class TunnelConnection {
  readonly ended: Promise<TunnelOutcome>;
  private readonly socket: TLSSocket;
  private session?: ServerHttp2Session;
  private upAt?: number;
  private tcpConnected = false;
  private refusal?: TunnelRefusalReason;
  private disconnect?: TunnelDisconnectReason;
  private detail = '';
  private heartbeat?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private drainTimer?: NodeJS.Timeout;

  constructor(
    private readonly options: TunnelConnectionOptions,
    private readonly server: Http2Server,
    private readonly onUp: () => void,
    private readonly logger: Logger,
  ) {
    const hostname = options.url.hostname.replace(/^\[|\]$/g, '');
    this.socket = tls.connect({
      host: hostname,
      port: Number(options.url.port || 443),
      servername: isIP(hostname) ? undefined : hostname,
      ca: options.ca,
      cert: options.certificatePem,
      key: options.keyPem,
      ALPNProtocols: [TUNNEL_ALPN],
    });
    const handshakeTimer = setTimeout(() => this.fail('timeout', `no TLS handshake within ${HANDSHAKE_TIMEOUT_MS} ms`), HANDSHAKE_TIMEOUT_MS);
    this.socket.once('connect', () => {
      this.tcpConnected = true;
      this.socket.setNoDelay(true);
    });
    this.socket.once('secureConnect', () => {
      clearTimeout(handshakeTimer);
      this.attach();
    });
    this.socket.on('error', (error) => {
      this.detail ||= error.message;
      this.refusal ??= this.tcpConnected ? 'tls' : 'unreachable';
    });
    this.ended = new Promise((resolve) => {
      this.socket.once('close', () => {
        clearTimeout(handshakeTimer);
        this.stopHeartbeat();
        clearTimeout(this.drainTimer);
        resolve(this.outcome());
      });
    });
  }

  get isUp(): boolean {
    return this.upAt !== undefined && !this.socket.destroyed;
  }

  /** Says GOAWAY and lets open streams finish for `drainMs`, then cuts the connection. */
  close(drainMs: number): void {
    this.disconnect ??= 'stopped';
    this.refusal ??= 'closed';
    if (!this.session || this.session.destroyed) {
      this.socket.destroy();
      return;
    }
    this.session.close();
    this.drainTimer = setTimeout(() => this.socket.destroy(), drainMs).unref();
  }

  private attach(): void {
    if (this.socket.alpnProtocol !== TUNNEL_ALPN) {
      this.fail('alpn', `the tunnel endpoint does not speak ${TUNNEL_ALPN} (ALPN: ${this.socket.alpnProtocol || 'none'})`);
      return;
    }
    const captured: ServerHttp2Session[] = [];
    const capture = (session: ServerHttp2Session) => captured.push(session);
    this.server.on('session', capture);
    this.server.emit('connection', this.socket);
    this.server.off('session', capture);
    const session = captured[0];
    if (!session) {
      this.fail('closed', 'no HTTP/2 session on the tunnel socket');
      return;
    }
    this.session = session;
    session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    // The proxy's SETTINGS come before it has decided (it may still refuse with GOAWAY); its first
    // stream, the AgentInfo request it makes once it accepted the tunnel, means it is in use.
    session.once('stream', () => {
      if (session.destroyed || this.refusal === 'goaway') return;
      this.upAt = Date.now();
      this.onUp();
    });
    session.on('goaway', (errorCode: number, _lastStreamId: number, opaqueData?: Buffer) => {
      const message = debugText(opaqueData);
      this.detail = message || `GOAWAY (HTTP/2 error ${errorCode})`;
      this.refusal ??= 'goaway';
      this.disconnect ??= 'goaway';
      const refused = this.upAt === undefined || errorCode !== constants.NGHTTP2_NO_ERROR || message !== '';
      if (refused) this.logger.warn({ errorCode, message }, 'the proxy refused the tunnel');
      else this.logger.info({ errorCode }, 'the proxy is closing the tunnel');
    });
    session.on('error', (error) => {
      this.detail ||= error.message;
      this.disconnect ??= 'error';
    });
    this.startHeartbeat(session);
  }

  /** A ping unanswered within the timeout ends the tunnel: a dead path is found in seconds, not at TCP's pace. */
  private startHeartbeat(session: ServerHttp2Session): void {
    this.heartbeat = setInterval(() => {
      if (this.pingTimer || session.destroyed) return;
      this.pingTimer = setTimeout(() => {
        this.disconnect ??= 'heartbeat';
        this.refusal ??= 'timeout';
        this.detail ||= `no answer to a ping within ${this.options.heartbeatTimeoutMs} ms`;
        session.destroy();
        this.socket.destroy();
      }, this.options.heartbeatTimeoutMs);
      const sent = session.ping(() => {
        clearTimeout(this.pingTimer);
        this.pingTimer = undefined;
      });
      if (!sent) {
        clearTimeout(this.pingTimer);
        this.pingTimer = undefined;
      }
    }, this.options.heartbeatIntervalMs);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
  }

  private fail(reason: TunnelRefusalReason, detail: string): void {
    this.refusal ??= reason;
    this.detail ||= detail;
    this.socket.destroy();
  }

  private outcome(): TunnelOutcome {
    if (this.upAt === undefined) return { wasUp: false, reason: this.refusal ?? 'closed', detail: this.detail || 'the connection closed' };
    return { wasUp: true, reason: this.disconnect ?? 'closed', detail: this.detail || 'the proxy closed the connection', upForMs: Date.now() - this.upAt };
  }
}
