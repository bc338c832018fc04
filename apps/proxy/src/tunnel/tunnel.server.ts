/*
 * Trust model of the tunnel endpoint (the port cluster agents dial out to).
 * - Trusts: client certificates of the agent CA only, and only while policy lists the
 *   certificate's fingerprint as the current identity of the cluster it names (CN) with the
 *   cluster id it carries (SAN URI). Everything else is refused before a single stream is opened,
 *   with a log line, a metric and an audit event, and the GOAWAY's debug data says why.
 * - Verifies: the TLS chain (TLS layer), the cluster's mode, id and accepted fingerprints
 *   (policy, asked anew on every connect), then every heartbeat. A peer that sends garbage ends
 *   only its own connection: each tunnel is its own TLS socket and HTTP/2 session.
 * - Never holds: an agent's key, or any cluster credential. Requests go in with the person's JIT
 *   token, exactly as in direct mode.
 * With ALPN http/1.1 the same port serves enrollment and renewal (AgentEnrollment).
 */
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { AGENT_INFO_PATH, AgentInfo, TUNNEL_ALPN } from '@portcullis/platform/tunnel';
import fs from 'node:fs';
import http from 'node:http';
import http2, { constants as http2Constants } from 'node:http2';
import type { AddressInfo } from 'node:net';
import tls, { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { ClusterDirectory } from '../access/cluster-directory';
import { ProxyConfig } from '../config/proxy.config';
import { AgentCertificateIdentity, agentCertificateOf } from './agent-certificate';
import { AgentEnrollment } from './agent-enrollment';
import { AgentTunnels } from './agent-tunnels';
import { httpsUrl, listen } from '../data-plane/listen';

// The TLS handshake, the policy check and the agent's info answer together; a silent peer is cut.
const HANDSHAKE_TIMEOUT_MS = 10_000;
// Many watches share one tunnel: let the connection's window be large while each stream keeps
// the default 64 KiB window, so one stalled reader can hold back only its own stream.
const TUNNEL_CONNECTION_WINDOW = 16 * 1024 * 1024;
const MAX_INFO_BYTES = 4_096;

@Injectable()
export class TunnelServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private server?: tls.Server;
  private readonly enrollmentServer: http.Server;
  private readonly pending = new Set<TLSSocket>();
  private readonly logger: Logger;
  private address?: AddressInfo;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ProxyConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly tunnels: AgentTunnels,
    private readonly clusters: ClusterDirectory,
    enrollment: AgentEnrollment,
  ) {
    this.logger = rootLogger.child({ component: 'tunnel-endpoint' });
    this.enrollmentServer = http.createServer({ requestTimeout: HANDSHAKE_TIMEOUT_MS, headersTimeout: HANDSHAKE_TIMEOUT_MS, maxHeaderSize: 16_384 }, enrollment.handle);
    this.enrollmentServer.on('clientError', (_error, socket) => socket.destroy());
  }

  /** `https://host:port` once listening; undefined while agent mode is off. */
  get url(): string | undefined {
    if (!this.address) return undefined;
    return httpsUrl(this.address);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.AGENT_CA_CERT_FILE) {
      this.logger.info('agent mode is off (AGENT_CA_CERT_FILE is not set): no tunnel endpoint');
      return;
    }
    const server = tls.createServer({
      cert: fs.readFileSync(this.config.PROXY_TLS_CERT_FILE),
      key: fs.readFileSync(this.config.PROXY_TLS_KEY_FILE),
      ca: [fs.readFileSync(this.config.AGENT_CA_CERT_FILE)],
      requestCert: true,
      // Enrollment comes without a certificate; tunnels without an accepted one are refused below.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      ALPNProtocols: [TUNNEL_ALPN, 'http/1.1'],
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      noDelay: true,
    });
    server.on('secureConnection', (socket: TLSSocket) => this.onConnection(socket));
    server.on('tlsClientError', () => undefined);
    this.address = await listen(server, this.config.PROXY_TUNNEL_LISTEN_PORT, this.config.PROXY_TUNNEL_LISTEN_HOST);
    this.server = server;
    this.logger.info({ url: this.url }, 'tunnel endpoint listening');
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.pending) socket.destroy();
    this.tunnels.closeAll('the proxy replica is shutting down');
    this.enrollmentServer.closeAllConnections();
    await closed;
  }

  private onConnection(socket: TLSSocket): void {
    socket.on('error', (error) => this.logger.debug({ err: error }, 'tunnel endpoint connection failed'));
    if (socket.alpnProtocol === TUNNEL_ALPN) {
      void this.acceptTunnel(socket);
      return;
    }
    this.enrollmentServer.emit('connection', socket);
  }

  private async acceptTunnel(socket: TLSSocket): Promise<void> {
    const peerAddress = socket.remoteAddress ?? '';
    this.pending.add(socket);
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    const session = http2.connect('http://agent.tunnel.portcullis', {
      createConnection: () => socket,
      settings: { enablePush: false },
      // Thousands of idle watches on one tunnel: let nghttp2 hold their buffers (MiB).
      maxSessionMemory: 256,
    });
    session.on('error', (error) => this.logger.debug({ err: error }, 'tunnel session failed'));
    const refuse = (reason: string, cluster: string | null, clusterId: string | null) => {
      this.tunnels.refused(cluster, clusterId, peerAddress, reason);
      if (!session.destroyed) {
        session.goaway(http2Constants.NGHTTP2_REFUSED_STREAM, 0, Buffer.from(reason));
        // Let the GOAWAY reach the agent before the socket goes.
        setTimeout(() => session.destroy(), 200).unref();
      }
    };
    try {
      const check = agentCertificateOf(socket);
      if (!check.ok) return refuse(check.reason, check.cluster, null);
      const why = await this.rejectionOf(check.identity);
      if (why) return refuse(why, check.identity.cluster, check.identity.clusterId);
      const info = await agentInfo(session);
      if (info.cluster !== check.identity.cluster) return refuse(`the agent says it serves cluster "${info.cluster.slice(0, 63)}", its certificate names "${check.identity.cluster}"`, check.identity.cluster, check.identity.clusterId);
      if (socket.destroyed) return;
      session.setLocalWindowSize(TUNNEL_CONNECTION_WINDOW);
      const now = new Date();
      this.tunnels.attach({ ...check.identity, agentVersion: info.version.slice(0, 64), peerAddress, connectedAt: now, heartbeatAt: now, session });
    } catch (error) {
      refuse(`the tunnel could not be set up: ${(error as Error).message}`, null, null);
    } finally {
      clearTimeout(timer);
      this.pending.delete(socket);
    }
  }

  /** Why policy does not accept this identity now; null when it does. */
  private async rejectionOf(identity: AgentCertificateIdentity): Promise<string | null> {
    const endpoint = await this.clusters.lookup(identity.cluster);
    if (!endpoint) return `cluster "${identity.cluster}" is not registered`;
    if (endpoint.id !== identity.clusterId) return `the certificate was issued to an earlier cluster named "${identity.cluster}"`;
    if (endpoint.mode !== 'agent') return `cluster "${identity.cluster}" is not in agent mode`;
    if (!endpoint.agent?.certificateFingerprints.includes(identity.fingerprint)) return 'this agent identity was revoked or replaced; re-register the cluster';
    return null;
  }
}

/** Asks the agent who it is; any answer that is not a small AgentInfo document fails the tunnel. */
function agentInfo(session: http2.ClientHttp2Session): Promise<AgentInfo> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'GET', ':path': AGENT_INFO_PATH }, { endStream: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let status = 0;
    stream.once('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_INFO_BYTES) stream.destroy(new Error('the agent info is too large'));
      else chunks.push(chunk);
    });
    stream.once('end', () => {
      try {
        const info = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<AgentInfo>;
        if (status !== 200 || typeof info.cluster !== 'string' || typeof info.version !== 'string') throw new Error(`the agent answered its info with ${status}`);
        resolve(info as AgentInfo);
      } catch (error) {
        reject(error instanceof SyntaxError ? new Error('the agent info is not JSON') : error);
      }
    });
    stream.once('error', reject);
  });
}
