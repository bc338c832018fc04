import { AGENT_INFO_PATH, AgentInfo, ENROLL_PATH, EnrollmentRequest, IssuedAgentCertificate, RENEW_PATH, RenewalRequest, TUNNEL_ALPN } from '@portcullis/platform/tunnel';
import { waitFor } from '@portcullis/platform/testing';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import http2, { ClientHttp2Session, ClientHttp2Stream, constants, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import tls, { TLSSocket } from 'node:tls';
import { TestCertificateAuthority } from './test-certificate-authority';

export interface TunnelEndpointOptions {
  /** Bootstrap tokens the endpoint accepts, each once. */
  bootstrapTokens?: string[];
  /** Lifetime of the certificates it issues (default one hour). */
  certificateLifetimeMs?: number;
  /** Answer every enrollment with this status (e.g. 503) instead of deciding. */
  enrollmentStatus?: number;
}

export interface EndpointCall {
  path: string;
  status: number;
  cluster?: string;
  /** The client certificate's CN, for renewals. */
  peer?: string;
}

export interface TunnelResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests walk arbitrary JSON
  json<T = Record<string, any>>(): T;
}

/** Stops relaying bytes both ways while frozen: a network path that silently died. */
class FreezableConnection extends Duplex {
  frozen = false;

  constructor(private readonly socket: TLSSocket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      if (!this.frozen) this.push(chunk);
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (error) => this.destroy(error));
  }

  override _read(): void {
    // Data is pushed as it arrives.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.frozen) callback();
    else this.socket.write(chunk, callback);
  }

  override _final(callback: () => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}

/** The proxy's side of one tunnel: an HTTP/2 client session on the agent's socket. */
export class TunnelPeer {
  /** What the agent said about itself when the tunnel opened. */
  info?: AgentInfo;

  constructor(
    readonly session: ClientHttp2Session,
    readonly socket: TLSSocket,
    readonly clusterName: string,
    private readonly connection?: FreezableConnection,
  ) {}

  /** Opens a stream; the caller reads (or deliberately does not read) the answer. CONNECT streams stay open for writing. */
  open(headers: OutgoingHttpHeaders, body?: string): ClientHttp2Stream {
    const upgrade = headers[constants.HTTP2_HEADER_METHOD] === 'CONNECT';
    const stream = this.session.request(headers, { endStream: body === undefined && !upgrade });
    if (body !== undefined) stream.end(body);
    return stream;
  }

  /** One request through the tunnel, answer read to its end. */
  request(method: string, path: string, headers: OutgoingHttpHeaders = {}, body?: string): Promise<TunnelResponse> {
    return collect(this.open({ ':method': method, ':path': path, ...headers }, body));
  }

  freeze(): void {
    if (!this.connection) throw new Error('this tunnel was not opened freezable');
    this.connection.frozen = true;
  }
}

/** The body of a stream whose response headers have already arrived. */
export function readBody(stream: ClientHttp2Stream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

export function collect(stream: ClientHttp2Stream): Promise<TunnelResponse> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (answer) => {
      headers = answer;
      status = Number(answer[constants.HTTP2_HEADER_STATUS]);
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      resolve({ status, headers, body, json: () => JSON.parse(body) });
    });
    stream.on('error', reject);
  });
}

/**
 * A stand-in for the proxy's tunnel endpoint: one TLS port with ALPN [TUNNEL_ALPN, http/1.1].
 * Over http/1.1 it enrolls (one-time bootstrap tokens) and renews (client certificate), signing
 * CSRs with a throwaway CA; over the tunnel ALPN it becomes the HTTP/2 client on the agent's socket.
 */
export class TunnelEndpointDouble {
  readonly calls: EndpointCall[] = [];
  readonly tunnels: TunnelPeer[] = [];
  /** GOAWAY debug data for every new tunnel: the tunnel is refused with it. */
  refuseWith?: string;
  /** Accept the TLS connection and then say nothing (no HTTP/2 at all). */
  silent = false;
  /** Put a freezable relay between the socket and the HTTP/2 session. */
  freezable = false;
  private readonly tokens: Set<string>;
  private readonly sockets = new Set<TLSSocket>();
  private readonly httpHandler: http.Server;
  private server?: tls.Server;
  private port = 0;

  private constructor(
    readonly serverCa: TestCertificateAuthority,
    readonly agentCa: TestCertificateAuthority,
    private readonly serving: { certPem: string; keyPem: string },
    readonly options: TunnelEndpointOptions,
  ) {
    this.tokens = new Set(options.bootstrapTokens ?? []);
    this.httpHandler = http.createServer((request, response) => void this.handle(request, response));
  }

  static async start(options: TunnelEndpointOptions = {}): Promise<TunnelEndpointDouble> {
    const serverCa = await TestCertificateAuthority.create('tunnel-server-ca');
    const agentCa = await TestCertificateAuthority.create('agent-ca');
    const endpoint = new TunnelEndpointDouble(serverCa, agentCa, await serverCa.issueServing(), options);
    await endpoint.listen();
    return endpoint;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  addBootstrapToken(token: string): void {
    this.tokens.add(token);
  }

  /** Waits for the n-th tunnel (1-based) to be established. */
  async tunnel(n = 1, timeoutMs = 10_000): Promise<TunnelPeer> {
    return waitFor(() => this.tunnels[n - 1], `tunnel #${n}`, timeoutMs, 20);
  }

  /** The proxy vanishes: every tunnel socket is destroyed without a word. */
  dropTunnels(): void {
    for (const tunnel of this.tunnels) tunnel.socket.destroy();
  }

  async listen(port = this.port): Promise<void> {
    const server = tls.createServer({
      key: this.serving.keyPem,
      cert: this.serving.certPem,
      ca: [this.agentCa.certPem],
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: [TUNNEL_ALPN, 'http/1.1'],
    });
    server.on('secureConnection', (socket: TLSSocket) => this.accept(socket));
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Stops listening and cuts every connection; `listen()` again reopens the same port. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: TLSSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    if (socket.alpnProtocol === 'http/1.1') {
      this.httpHandler.emit('connection', socket);
      return;
    }
    const peer = socket.getPeerCertificate();
    if (!socket.authorized || !peer?.subject?.CN) {
      socket.destroy();
      return;
    }
    if (this.silent) return;
    const connection = this.freezable ? new FreezableConnection(socket) : undefined;
    const session = http2.connect('http://tunnel', { createConnection: () => connection ?? socket });
    session.on('error', () => undefined);
    if (this.refuseWith !== undefined) {
      const reason = this.refuseWith;
      session.once('connect', () => {
        session.goaway(constants.NGHTTP2_REFUSED_STREAM, 0, Buffer.from(reason, 'utf8'));
        setTimeout(() => session.destroy(), 100);
      });
      return;
    }
    // What the proxy must do too: a large connection window, so streams whose readers are slow
    // never hold the window for the others.
    session.once('connect', () => session.setLocalWindowSize(16 * 1024 * 1024));
    // As the proxy does once it accepted a tunnel: ask the agent who it is.
    const tunnel = new TunnelPeer(session, socket, String(peer.subject.CN), connection);
    void tunnel
      .request('GET', AGENT_INFO_PATH)
      .then((answer) => {
        tunnel.info = answer.json<AgentInfo>();
        this.tunnels.push(tunnel);
      })
      .catch(() => socket.destroy());
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = request.url ?? '';
    const answer = (status: number, payload: object, cluster?: string, peer?: string) => {
      this.calls.push({ path, status, cluster, peer });
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const refusal = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
    const lifetime = this.options.certificateLifetimeMs ?? 3_600_000;

    if (request.method === 'POST' && path === ENROLL_PATH) {
      const enrollment = JSON.parse(body) as EnrollmentRequest;
      if (this.options.enrollmentStatus) {
        answer(this.options.enrollmentStatus, refusal(this.options.enrollmentStatus, 'ServiceUnavailable', 'policy is unavailable, try later'), enrollment.cluster);
        return;
      }
      if (!this.tokens.delete(enrollment.bootstrapToken)) {
        answer(401, refusal(401, 'Unauthorized', 'the bootstrap token is invalid, expired or already used'), enrollment.cluster);
        return;
      }
      const signed = await this.agentCa.signCsr(enrollment.csr, lifetime);
      const issued: IssuedAgentCertificate = { certificate: signed.certPem, caCertificate: this.agentCa.certPem, notAfter: signed.notAfter.toISOString() };
      answer(200, issued, enrollment.cluster);
      return;
    }
    if (request.method === 'POST' && path === RENEW_PATH) {
      const socket = request.socket as TLSSocket;
      const peer = socket.getPeerCertificate?.();
      if (!socket.authorized || !peer?.subject?.CN) {
        answer(401, refusal(401, 'Unauthorized', 'renewal needs the current agent certificate'));
        return;
      }
      const renewal = JSON.parse(body) as RenewalRequest;
      const signed = await this.agentCa.signCsr(renewal.csr, lifetime);
      answer(200, { certificate: signed.certPem, caCertificate: this.agentCa.certPem, notAfter: signed.notAfter.toISOString() }, undefined, String(peer.subject.CN));
      return;
    }
    answer(404, refusal(404, 'NotFound', 'no such path'));
  }
}
