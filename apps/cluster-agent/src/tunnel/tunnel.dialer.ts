/*
 * Trust model of the tunnel (the agent's one connection to Portcullis).
 * - Trusts: the proxy's tunnel endpoint only when its certificate chains to AGENT_TUNNEL_CA_FILE
 *   (or the public roots when none is set) and names the host of AGENT_TUNNEL_URL; everything the
 *   relay does for a stream rests on that.
 * - Proves: the cluster's identity with the agent's client certificate (CN = cluster name).
 * - Listens on nothing: the cluster needs no inbound port. The HTTP/2 server below never binds a
 *   socket; it only serves the connection the agent dialled.
 */
import { Http2Server, createServer } from 'node:http2';
import type { Logger } from 'pino';
import { IdentityKeeper } from '../identity/identity-keeper';
import { AgentMetrics } from '../metrics/agent-metrics';
import { TunnelStreamRouter } from '../relay/tunnel-stream.router';
import { Backoff } from './backoff';
import { TunnelConnection, TunnelOutcome } from './tunnel-connection';

// Above the most streams a tunnel carries, per burst and per second.
const STREAM_RESET_BURST = 100_000;
const STREAM_RESET_RATE = 10_000;

export interface TunnelDialerOptions {
  /** https://host:port of the proxy's tunnel endpoint. */
  tunnelUrl: string;
  ca: string | undefined;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
}

// A tunnel that stayed up this long was healthy: the next reconnect starts from the base delay.
const STABLE_AFTER_MS = 30_000;
// Many watches per tunnel (10,000 must fit); the proxy opens them, the agent only allows them.
const MAX_TUNNEL_STREAMS = 20_000;
// nghttp2's per-session memory cap (MB), not an allocation: past it the session refuses new
// streams. Thousands of streams each hold a little buffered data.
const MAX_SESSION_MEMORY_MB = 1_024;
const DRAIN_ON_STOP_MS = 5_000;

/** Keeps one tunnel to the proxy up: dials, serves it, and redials with backoff when it goes. */
export class TunnelDialer {
  private readonly server: Http2Server;
  private readonly backoff: Backoff;
  private readonly url: URL;
  private readonly logger: Logger;
  private connection?: TunnelConnection;
  private stopping = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private wakeUp?: () => void;

  constructor(
    private readonly options: TunnelDialerOptions,
    private readonly identity: IdentityKeeper,
    router: TunnelStreamRouter,
    private readonly metrics: AgentMetrics,
    logger: Logger,
  ) {
    this.url = new URL(options.tunnelUrl);
    this.backoff = new Backoff(options.reconnectBaseMs, options.reconnectMaxMs);
    this.logger = logger.child({ component: 'tunnel' });
    this.server = createServer({
      settings: { maxConcurrentStreams: MAX_TUNNEL_STREAMS, enablePush: false },
      maxSessionMemory: MAX_SESSION_MEMORY_MB,
      // nghttp2 guards servers against "rapid reset" floods (1,000 RST_STREAM at once, then 33/s)
      // and answers a flood with GOAWAY. Here the peer is the authenticated proxy, which cancels
      // one stream per watch a person closes: a client dropping 1,000 watches at once must not
      // take the cluster's tunnel down for everyone.
      streamResetBurst: STREAM_RESET_BURST,
      streamResetRate: STREAM_RESET_RATE,
    });
    this.server.on('stream', (stream, headers) => router.route(stream, headers));
    metrics.observe({ tunnelUp: () => this.isUp, activeStreams: () => router.activeStreams });
  }

  /** Readiness: a tunnel is up. */
  get isUp(): boolean {
    return this.connection?.isUp ?? false;
  }

  start(): void {
    this.stopping = new AbortController();
    this.loop = this.run(this.stopping.signal);
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('the agent is stopping'));
    this.wakeUp?.();
    this.connection?.close(DRAIN_ON_STOP_MS);
    await this.loop;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let identity;
      try {
        identity = await this.identity.waitForIdentity(signal);
      } catch {
        return;
      }
      const connection = new TunnelConnection(
        {
          url: this.url,
          ca: this.options.ca,
          certificatePem: identity.certificatePem,
          keyPem: identity.keyPem,
          heartbeatIntervalMs: this.options.heartbeatIntervalMs,
          heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
        },
        this.server,
        () => this.tunnelUp(identity.fingerprint),
        this.logger,
      );
      this.connection = connection;
      const outcome = await connection.ended;
      // An attempt cut short by our own stop says nothing about the proxy.
      if (signal.aborted && !outcome.wasUp) return;
      this.record(outcome);
      if (signal.aborted) return;
      if (outcome.wasUp && outcome.upForMs >= STABLE_AFTER_MS) this.backoff.reset();
      const retryInMs = this.backoff.next();
      if (outcome.wasUp) this.logger.info({ reason: outcome.reason, detail: outcome.detail, upForMs: outcome.upForMs, retryInMs }, 'tunnel down; redialling');
      else this.logger.warn({ reason: outcome.reason, detail: outcome.detail, retryInMs }, 'no tunnel; redialling');
      await this.sleep(retryInMs);
    }
  }

  private tunnelUp(fingerprint: string): void {
    this.metrics.tunnelConnects.inc();
    this.logger.info({ proxy: this.url.origin, fingerprint }, 'tunnel up');
  }

  private record(outcome: TunnelOutcome): void {
    if (outcome.wasUp) this.metrics.tunnelDisconnects.inc({ reason: outcome.reason });
    else this.metrics.tunnelRefusals.inc({ reason: outcome.reason });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
