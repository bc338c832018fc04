/*
 * Trust model of the data plane (the TLS endpoint kubectl and Lens talk to).
 * - Trusts: client certificates of the kubeconfig CA only; it asks every client for one, lets a
 *   connection without a valid one finish its handshake, and then answers each of its requests
 *   with 401 and a Kubernetes Status (a TLS alert would tell kubectl nothing).
 * - Verifies: framing first (node's HTTP parser plus the checks it leaves out), then identity,
 *   revocation and access on every request (RequestGate), before anything reaches a cluster.
 * - Never holds: a cluster credential beyond the per-person JIT tokens in memory, or a client's key.
 */
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { createSecureServer, Http2SecureServer, ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { AuditTrail } from '../audit/audit-trail';
import { RequestRecord } from '../audit/request-record';
import { ProxyConfig } from '../config/proxy.config';
import { kubeStatusBody } from '../errors/kube-status';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { UpstreamPool } from '../upstream/upstream-pool';
import { DataPlaneState } from './data-plane.state';
import { ClientRequest, ClientResponse } from './exchange';
import { OpenStreamRegistry } from './open-stream.registry';
import { ProxyRequestHandler } from './proxy-request.handler';
import { RequestGate } from './request-gate';
import { UpgradeRequestHandler } from './upgrade-request.handler';
import { httpsUrl, listen } from './listen';

// Streams one client connection may carry at once (Lens multiplexes every watch on one).
const MAX_CLIENT_STREAMS = 1_000;
// Idle HTTP/1.1 keep-alive connections are closed after this (client-go keeps them 90 s).
const KEEP_ALIVE_TIMEOUT_MS = 120_000;

/** The parts of node's HTTP/1.1 server socket state the malformed-request answer must respect. */
type ParserSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null };

/**
 * The data plane: a node:http2 secure server speaking HTTP/2 and HTTP/1.1 (ALPN), started when
 * the application boots and drained when it stops. Not a Nest controller: streaming, upgrades
 * and throughput need the raw server.
 */
@Injectable()
export class DataPlaneServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private server?: Http2SecureServer;
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly sockets = new Set<TLSSocket>();
  private readonly requestsInFlight = new WeakMap<object, number>();
  private readonly logger: Logger;
  private address?: AddressInfo;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ProxyConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly gate: RequestGate,
    private readonly requests: ProxyRequestHandler,
    private readonly upgrades: UpgradeRequestHandler,
    private readonly streams: OpenStreamRegistry,
    private readonly audit: AuditTrail,
    private readonly pool: UpstreamPool,
    private readonly state: DataPlaneState,
    private readonly metrics: ProxyMetrics,
  ) {
    this.logger = rootLogger.child({ component: 'data-plane' });
    metrics.observe({ openStreams: () => streams.size, upstreamConnections: () => pool.connectionCount });
  }

  /** `https://host:port` once listening. */
  get url(): string {
    if (!this.address) throw new Error('the data plane is not listening');
    return httpsUrl(this.address);
  }

  get port(): number {
    if (!this.address) throw new Error('the data plane is not listening');
    return this.address.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = createSecureServer({
      cert: fs.readFileSync(this.config.PROXY_TLS_CERT_FILE),
      key: fs.readFileSync(this.config.PROXY_TLS_KEY_FILE),
      // Ask every client for a certificate of the kubeconfig CA; decide per request (401), not by TLS alert.
      ca: [fs.readFileSync(this.config.KUBECONFIG_CA_CERT_FILE)],
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      allowHTTP1: true,
      ALPNProtocols: ['h2', 'http/1.1'],
      settings: { maxConcurrentStreams: MAX_CLIENT_STREAMS, maxHeaderListSize: this.config.MAX_HEADER_BYTES },
      // Headers and body of an answer may leave in separate writes: Nagle would hold the second
      // for the client's delayed ACK, tens of milliseconds per request (http.Server sets it too).
      noDelay: true,
    });
    // HTTP/1.1 under the HTTP/2 server reads these from the server object, as http.Server does.
    Object.assign(server, { maxHeaderSize: this.config.MAX_HEADER_BYTES, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS });

    server.on('secureConnection', (socket: TLSSocket) => this.onConnection(socket));
    server.on('session', (session: ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    server.on('request', (request: ClientRequest, response: ClientResponse) => {
      const key = request.httpVersionMajor === 2 ? response : request.socket;
      this.requestsInFlight.set(key, (this.requestsInFlight.get(key) ?? 0) + 1);
      response.once('close', () => this.requestsInFlight.set(key, (this.requestsInFlight.get(key) ?? 1) - 1));
      this.requests.handle(request, response);
    });
    server.on('upgrade', this.upgrades.handle);
    server.on('connect', (request: IncomingMessage, socket: Duplex) => this.rejectMalformed(socket, 'CONNECT is not supported', request.socket));
    server.on('clientError', (error: NodeJS.ErrnoException, socket: ParserSocket) => this.onClientError(error, socket));
    // A client that drops mid-handshake, or speaks something else, has no request to answer.
    server.on('tlsClientError', () => undefined);
    server.on('sessionError', (error: Error) => this.logger.debug({ err: error }, 'client HTTP/2 session failed'));

    this.address = await listen(server, this.config.PROXY_LISTEN_PORT, this.config.PROXY_LISTEN_HOST);
    this.server = server;
    this.state.listening = true;
    this.logger.info({ url: this.url }, 'data plane listening');
  }

  /**
   * Stops accepting, lets requests in flight finish for PROXY_DRAIN_TIMEOUT_MS, then ends what is
   * left (watches and exec sessions would otherwise hold the process forever), then publishes the
   * remaining request events.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.state.draining = true;
    this.state.listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.sessions) session.close();
    const deadline = Date.now() + this.config.PROXY_DRAIN_TIMEOUT_MS;
    while (Date.now() < deadline && (this.streams.size > 0 || this.hasBusyHttp1Socket())) {
      this.closeIdleHttp1Sockets();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (this.streams.size > 0) this.logger.warn({ open: this.streams.size }, 'drain timeout: ending open streams');
    for (const stream of this.streams.all()) stream.close();
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    this.pool.closeAll();
    await closed;
    await this.audit.stop();
    this.logger.info('data plane stopped');
  }

  private onConnection(socket: TLSSocket): void {
    this.sockets.add(socket);
    const identity = this.gate.identifyConnection(socket);
    const untrack = identity.ok ? this.streams.trackConnection(identity.credential.kubeconfigId, socket) : undefined;
    socket.once('close', () => {
      this.sockets.delete(socket);
      untrack?.();
    });
  }

  private hasBusyHttp1Socket(): boolean {
    for (const socket of this.sockets) if (socket.alpnProtocol !== 'h2' && (this.requestsInFlight.get(socket) ?? 0) > 0) return true;
    return false;
  }

  private closeIdleHttp1Sockets(): void {
    for (const socket of this.sockets) if (socket.alpnProtocol !== 'h2' && (this.requestsInFlight.get(socket) ?? 0) === 0) socket.destroy();
  }

  /** Node's HTTP/1.1 parser refused the request (smuggling, oversized headers, bad method…): 400, then close. */
  private onClientError(error: NodeJS.ErrnoException, socket: ParserSocket): void {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const reason = timedOut ? 'the request headers did not arrive in time' : `malformed request (${error.code ?? 'parse error'})`;
    this.logger.info({ code: error.code, reason: error.message }, 'refused a malformed request');
    this.rejectMalformed(socket, reason, socket as unknown as TLSSocket, timedOut ? 408 : 400);
  }

  private rejectMalformed(socket: ParserSocket, message: string, tlsSocket: unknown, code = 400): void {
    const record = new RequestRecord('', '', '', (tlsSocket as TLSSocket | undefined)?.remoteAddress ?? '', null);
    try {
      record.credential = this.gate.authenticate(tlsSocket);
    } catch {
      // A malformed request from an unknown client is still recorded, without a person.
    }
    record.status = code;
    // Only answer when no response of this connection is on the wire, or the answer would corrupt it.
    if (socket.writable && !socket._httpMessage?.headersSent) {
      const body = kubeStatusBody(code, code === 408 ? 'Timeout' : 'BadRequest', message);
      const raw = `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
      record.bytesOut = raw.length;
      socket.end(raw);
      setTimeout(() => socket.destroy(), 1_000).unref();
    } else {
      socket.destroy();
    }
    this.metrics.countRequest('', code);
    this.audit.record(record.toEvent());
  }
}
