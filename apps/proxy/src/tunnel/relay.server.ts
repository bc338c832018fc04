/*
 * Trust model of the relay (an internal port: mutual TLS, service certificates only).
 * - Trusts: client certificates of the service CA whose CN names a Portcullis service allowed
 *   here: `sa-provisioner` (its cluster calls, which the agent runs with its own ServiceAccount)
 *   and `proxy` (another replica forwarding a person's request, JIT token included, to the
 *   replica that holds the cluster's tunnel). Anyone else is refused before anything is read.
 * - Verifies: the path like the data plane does (no escapes), and that the cluster's tunnel is
 *   held here (never forwarding again: one hop). The agent-credential marker is set here, for
 *   the provisioner only; whatever a caller sends under Portcullis' own header names is dropped.
 * - Never holds: a credential. The agent's token never leaves the cluster.
 * HTTP/2 (replicas) and HTTP/1.1 (the provisioner's Kubernetes client) share the port by ALPN.
 */
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { AGENT_CREDENTIAL_HEADER, AGENT_CREDENTIAL_SELF } from '@portcullis/platform/tunnel';
import fs from 'node:fs';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import http2, { constants as http2Constants, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import tls, { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { ProxyConfig } from '../config/proxy.config';
import { kubeStatusBody, kubeStatusFor, KubeStatusReply } from '../errors/kube-status';
import { ProxyException } from '../errors/proxy.exception';
import { parseClusterRoute } from '../routing/cluster-route';
import { clientResponseHeaders } from '../upstream/forwarded-headers';
import { AgentTunnels } from './agent-tunnels';
import { PROXY_SERVICE_NAME } from './peer-relays';
import { TunnelPresence } from './tunnel-presence';
import { httpsUrl, listen } from '../data-plane/listen';

type Caller = 'sa-provisioner' | 'proxy';

// Hop-by-hop names never cross the relay; neither do Portcullis' own, as the caller sent them.
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'te', 'http2-settings', 'expect']);

const CALLER = Symbol('portcullis.relayCaller');
type TaggedSocket = TLSSocket & { [CALLER]?: Caller | null };

@Injectable()
export class RelayServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private server?: tls.Server;
  private readonly http2Server = http2.createServer({ settings: { maxConcurrentStreams: 10_000 } });
  private readonly http1Server: http.Server;
  private readonly logger: Logger;
  private address?: AddressInfo;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ProxyConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly tunnels: AgentTunnels,
    private readonly presence: TunnelPresence,
  ) {
    this.logger = rootLogger.child({ component: 'relay' });
    this.http2Server.on('stream', (stream, headers, flags) => this.relayStream(stream, headers, (flags & http2Constants.NGHTTP2_FLAG_END_STREAM) !== 0));
    this.http2Server.on('sessionError', (error) => this.logger.debug({ err: error }, 'relay session failed'));
    this.http1Server = http.createServer({ requestTimeout: 0, headersTimeout: 30_000 }, (request, response) => this.relayHttp1(request, response));
    this.http1Server.on('clientError', (_error, socket) => socket.destroy());
  }

  /** `https://host:port` once listening; undefined while there is no relay. */
  get url(): string | undefined {
    if (!this.address) return undefined;
    return httpsUrl(this.address);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { SERVICE_CA_CERT_FILE, SERVICE_CERT_FILE, SERVICE_KEY_FILE, AGENT_CA_CERT_FILE } = this.config;
    if (!SERVICE_CA_CERT_FILE || !SERVICE_CERT_FILE || !SERVICE_KEY_FILE || !AGENT_CA_CERT_FILE) {
      this.logger.info('no relay (SERVICE_CA_CERT_FILE, SERVICE_CERT_FILE, SERVICE_KEY_FILE or AGENT_CA_CERT_FILE is not set): agent-mode clusters cannot be provisioned through this replica');
      return;
    }
    const server = tls.createServer({
      cert: fs.readFileSync(SERVICE_CERT_FILE),
      key: fs.readFileSync(SERVICE_KEY_FILE),
      ca: [fs.readFileSync(SERVICE_CA_CERT_FILE)],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ALPNProtocols: ['h2', 'http/1.1'],
      noDelay: true,
    });
    server.on('secureConnection', (socket: TaggedSocket) => {
      socket.on('error', () => socket.destroy());
      socket[CALLER] = callerOf(socket);
      if (socket.alpnProtocol === 'h2') this.http2Server.emit('connection', socket);
      else this.http1Server.emit('connection', socket);
    });
    server.on('tlsClientError', () => undefined);
    this.address = await listen(server, this.config.PROXY_RELAY_LISTEN_PORT, this.config.PROXY_RELAY_LISTEN_HOST);
    this.server = server;
    this.presence.relayUrl = this.config.PROXY_RELAY_ADVERTISE_URL ?? this.url;
    this.logger.info({ url: this.url, advertised: this.presence.relayUrl }, 'relay listening');
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.http1Server.closeAllConnections();
    await closed;
  }

  private relayStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, endStream: boolean): void {
    stream.on('error', () => undefined);
    const caller = (stream.session?.socket as TaggedSocket | undefined)?.[CALLER] ?? null;
    const answer = (status: number, extra: OutgoingHttpHeaders, body?: string) => {
      if (stream.closed || stream.headersSent) return;
      stream.respond({ ':status': status, ...extra });
      stream.end(body);
    };
    try {
      if (!caller) throw new RelayRefusal(403, 'only Portcullis services may use the relay');
      const upstream = headers[':method'] === 'CONNECT' ? this.openRaw(headers[':authority'], caller) : this.open(String(headers[':method']), String(headers[':path'] ?? ''), headers, caller, endStream);
      stream.on('close', () => {
        if (!upstream.closed && !upstream.readableEnded) upstream.close(http2Constants.NGHTTP2_CANCEL);
      });
      upstream.on('error', (error: Error) => {
        if (!stream.headersSent) answer(502, { 'content-type': 'application/json' }, kubeStatusBody(502, 'InternalError', `the tunnel failed: ${error.message}`));
        else stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
      });
      upstream.once('response', (response) => {
        if (stream.closed) return;
        stream.respond({ ':status': Number(response[':status']), ...clientResponseHeaders(response) });
        upstream.pipe(stream);
      });
      if (!endStream) stream.pipe(upstream);
    } catch (error) {
      const reply = this.replyFor(error);
      answer(reply.code, { 'content-type': 'application/json', ...(reply.retryAfterSeconds ? { 'retry-after': String(reply.retryAfterSeconds) } : {}) }, reply.body);
    }
  }

  private relayHttp1(request: IncomingMessage, response: ServerResponse): void {
    const caller = (request.socket as TaggedSocket)[CALLER] ?? null;
    const answer = (status: number, extra: OutgoingHttpHeaders, body?: string) => {
      if (response.headersSent || response.destroyed) return;
      response.writeHead(status, extra);
      response.end(body);
    };
    try {
      if (!caller) throw new RelayRefusal(403, 'only Portcullis services may use the relay');
      const withBody = request.headers['content-length'] !== undefined ? request.headers['content-length'] !== '0' : request.headers['transfer-encoding'] !== undefined;
      const upstream = this.open(request.method ?? 'GET', request.url ?? '', request.headers, caller, !withBody);
      response.on('close', () => {
        if (!upstream.closed && !upstream.readableEnded) upstream.close(http2Constants.NGHTTP2_CANCEL);
      });
      upstream.on('error', (error: Error) => {
        if (!response.headersSent) answer(502, { 'content-type': 'application/json' }, kubeStatusBody(502, 'InternalError', `the tunnel failed: ${error.message}`));
        else response.destroy();
      });
      upstream.once('response', (answered) => {
        if (response.destroyed) return;
        response.writeHead(Number(answered[':status']), clientResponseHeaders(answered));
        upstream.pipe(response);
      });
      if (withBody) request.pipe(upstream);
    } catch (error) {
      const reply = this.replyFor(error);
      answer(reply.code, { 'content-type': 'application/json', ...(reply.retryAfterSeconds ? { 'retry-after': String(reply.retryAfterSeconds) } : {}) }, reply.body);
    }
  }

  /** An ordinary request into this replica's tunnel of the cluster the path names. */
  private open(method: string, target: string, headers: IncomingHttpHeaders, caller: Caller, endStream: boolean): ClientHttp2Stream {
    const route = parseClusterRoute(target);
    const forwarded: OutgoingHttpHeaders = { ':method': method, ':path': `${route.path}${route.query}` };
    for (const name of Object.keys(headers)) {
      if (name.startsWith(':') || DROPPED.has(name) || name.startsWith('portcullis-')) continue;
      forwarded[name] = headers[name];
    }
    if (caller === 'sa-provisioner') {
      // The provisioner holds no credential for agent-mode clusters: the agent acts for it.
      delete forwarded.authorization;
      forwarded[AGENT_CREDENTIAL_HEADER] = AGENT_CREDENTIAL_SELF;
    }
    return this.tunnels.open(route.cluster, forwarded, endStream, true);
  }

  /** A peer's upgrade (`CONNECT <cluster>:443`): joined to a CONNECT stream of our tunnel. */
  private openRaw(authority: string | undefined, caller: Caller): ClientHttp2Stream {
    if (caller !== PROXY_SERVICE_NAME) throw new RelayRefusal(403, 'only proxy replicas relay upgrades');
    const cluster = (authority ?? '').replace(/:443$/, '');
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(cluster)) throw new RelayRefusal(400, 'CONNECT must name a cluster as <cluster>:443');
    return this.tunnels.openRaw(cluster, true);
  }

  private replyFor(error: unknown): KubeStatusReply {
    if (error instanceof ProxyException) return kubeStatusFor(error);
    if (error instanceof RelayRefusal) return { code: error.status, body: kubeStatusBody(error.status, error.status === 403 ? 'Forbidden' : 'BadRequest', error.message), closeConnection: false };
    this.logger.error({ err: error }, 'relay failed');
    return { code: 500, body: kubeStatusBody(500, 'InternalError', 'the relay failed'), closeConnection: false };
  }
}

class RelayRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function callerOf(socket: TLSSocket): Caller | null {
  if (!socket.authorized) return null;
  const name = socket.getPeerCertificate()?.subject?.CN;
  return name === 'sa-provisioner' || name === PROXY_SERVICE_NAME ? name : null;
}
