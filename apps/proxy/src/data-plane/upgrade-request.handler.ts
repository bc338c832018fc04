/*
 * Trust model of upgraded streams (exec, attach, cp, port-forward over WebSocket or SPDY/3.1).
 * - The upgrade request is authenticated and authorised exactly like any other request; a refusal
 *   gets its real status and a Status body, never a 101.
 * - Upstream it is dialled over a fresh HTTP/1.1 TLS connection verified against the cluster's CA
 *   (direct mode), or carried in a CONNECT stream of the cluster's verified agent tunnel, under
 *   the person's JIT token; after the cluster's 101 the proxy only relays bytes, both ways,
 *   and ends the stream when the credential is revoked or the person's access shrinks.
 */
import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { context, propagation, trace } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import http, { IncomingMessage, OutgoingHttpHeaders, STATUS_CODES } from 'node:http';
import { constants as http2Constants, ClientHttp2Stream } from 'node:http2';
import https from 'node:https';
import { isIP, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import { RequestRecord } from '../audit/request-record';
import { ProxyConfig } from '../config/proxy.config';
import { internalErrorStatus, KubeStatusReply, kubeStatusFor } from '../errors/kube-status';
import { ProxyErrorCode, ProxyException } from '../errors/proxy.exception';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { AgentTunnels } from '../tunnel/agent-tunnels';
import { upstreamRequestHeaders } from '../upstream/forwarded-headers';
import { UpstreamTarget } from '../upstream/upstream-pool';
import { pump } from './exchange';
import { OpenStreamRegistry } from './open-stream.registry';
import { RequestGate } from './request-gate';
import { RequestLifecycle } from './request-lifecycle';

// A refused upgrade's answer from the cluster is a Status document; anything longer is cut.
const MAX_REFUSAL_BODY = 64 * 1024;
// After one side has finished and the other was told so, how long a silent peer may keep the socket.
const HALF_CLOSE_GRACE_MS = 30_000;
const UPGRADE_METHODS = new Set(['GET', 'POST']);

function rawResponse(status: number, statusMessage: string, headerLines: string[], body: Buffer): Buffer {
  const head = [`HTTP/1.1 ${status} ${statusMessage}`, ...headerLines, `Content-Length: ${body.length}`, 'Connection: close', '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** `Connection: Upgrade` requests (HTTP/1.1 only): WebSocket and SPDY/3.1 for exec, attach and port-forward. */
@Injectable()
export class UpgradeRequestHandler {
  private readonly logger: Logger;
  private readonly connectTimeoutMs: number;

  constructor(
    private readonly gate: RequestGate,
    private readonly lifecycle: RequestLifecycle,
    private readonly streams: OpenStreamRegistry,
    private readonly metrics: ProxyMetrics,
    private readonly tunnels: AgentTunnels,
    @Inject(SERVICE_CONFIG) config: ProxyConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'data-plane' });
    this.connectTimeoutMs = config.UPSTREAM_CONNECT_TIMEOUT_MS;
  }

  readonly handle = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const { span, record } = this.lifecycle.begin(`proxy upgrade ${request.method}`, request);
    socket.once('close', () => this.lifecycle.finish(record, span));
    socket.on('error', () => socket.destroy());
    void context.with(trace.setSpan(context.active(), span), () => this.process(request, socket as Socket, head, record));
  };

  private async process(request: IncomingMessage, socket: Socket, head: Buffer, record: RequestRecord): Promise<void> {
    try {
      this.lifecycle.assertAccepting(request);
      if (!UPGRADE_METHODS.has(request.method ?? '')) throw new ProxyException(ProxyErrorCode.MethodNotAllowed, `an upgrade with ${request.method} is not supported`);
      const protocol = (request.headers.upgrade ?? '').trim().toLowerCase();
      if (protocol !== 'websocket' && protocol !== 'spdy/3.1') {
        throw new ProxyException(ProxyErrorCode.MalformedRequest, 'only WebSocket and SPDY/3.1 upgrades are supported');
      }
      const { route, info, credential } = this.lifecycle.identify(request, record);
      const admission = await this.gate.admit(credential, route.cluster);
      if (socket.destroyed) return;

      const { target } = admission;
      const headers: OutgoingHttpHeaders = upstreamRequestHeaders(request.headers, { token: admission.token, peerAddress: request.socket.remoteAddress ?? '', upgrade: true });
      headers.host = target.authority;
      propagation.inject(context.active(), headers);
      const path = `${target.basePath}${route.path}${route.query}`;
      let upstreamRequest: http.ClientRequest;
      if (target.mode === 'agent') {
        // Through the tunnel: a CONNECT stream the agent joins to its API server; the HTTP/1.1
        // upgrade exchange then runs inside it, byte for byte as in direct mode.
        const tunnelStream = await this.openTunnelConnection(target.cluster);
        if (socket.destroyed) {
          tunnelStream.close(http2Constants.NGHTTP2_CANCEL);
          return;
        }
        upstreamRequest = http.request({ method: request.method, path, headers, createConnection: () => tunnelStream as unknown as Socket });
      } else {
        upstreamRequest = this.dial(target, request.method ?? 'GET', path, headers);
      }
      const sentAt = performance.now();
      const abandon = () => upstreamRequest.destroy();
      socket.once('close', abandon);
      upstreamRequest.once('upgrade', (response: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer) => {
        socket.removeListener('close', abandon);
        this.metrics.observeUpstreamLatency(target.cluster, (performance.now() - sentAt) / 1000);
        record.status = response.statusCode ?? 101;
        record.decision = 'allowed';
        this.splice(socket, head, upstreamSocket, upstreamHead, response, record, () =>
          this.streams.add({
            credential,
            cluster: target.cluster,
            namespace: info.namespace,
            coveredBy: admission.access.coverage(target.cluster, info.namespace),
            close: () => {
              socket.destroy();
              upstreamSocket.destroy();
            },
          }),
        );
      });
      upstreamRequest.once('response', (response: IncomingMessage) => {
        socket.removeListener('close', abandon);
        this.metrics.observeUpstreamLatency(target.cluster, (performance.now() - sentAt) / 1000);
        if (response.statusCode === 401) void this.gate.renewToken(admission).catch(() => undefined);
        record.decision = 'allowed';
        this.relayRefusal(socket, response, record);
      });
      upstreamRequest.once('error', (error: NodeJS.ErrnoException) => {
        socket.removeListener('close', abandon);
        if (record.status !== 0 || socket.destroyed) return;
        this.refuse(socket, record, new ProxyException(ProxyErrorCode.ClusterUnreachable, `cluster "${target.cluster}" is unreachable (${error.code ?? 'error'}: ${error.message}); retry later`));
      });
      upstreamRequest.end();
    } catch (error) {
      this.refuse(socket, record, error);
    }
  }

  /** A fresh HTTP/1.1 TLS connection to a direct-mode cluster, verified against its CA, bounded by the connect timeout. */
  private dial(target: UpstreamTarget, method: string, path: string, headers: OutgoingHttpHeaders): http.ClientRequest {
    const options: https.RequestOptions & ConnectionOptions = {
      host: target.hostname,
      port: target.port,
      method,
      path,
      headers,
      ca: target.ca,
      servername: isIP(target.hostname) ? undefined : target.hostname,
      ALPNProtocols: ['http/1.1'],
      agent: false,
    };
    const upstreamRequest = https.request(options);
    upstreamRequest.once('socket', (upstreamSocket) => {
      const timer = setTimeout(
        () => upstreamRequest.destroy(Object.assign(new Error(`no connection within ${this.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' })),
        this.connectTimeoutMs,
      );
      upstreamSocket.once('secureConnect', () => clearTimeout(timer));
      upstreamSocket.once('close', () => clearTimeout(timer));
    });
    return upstreamRequest;
  }

  /** A raw stream through the cluster's agent tunnel, once the agent has connected it to its API server. */
  private openTunnelConnection(cluster: string): Promise<ClientHttp2Stream> {
    const stream = this.tunnels.openRaw(cluster);
    return new Promise((resolve, reject) => {
      const unreachable = (why: string) => new ProxyException(ProxyErrorCode.ClusterUnreachable, `cluster "${cluster}" is unreachable (${why}); retry later`);
      const timer = setTimeout(() => {
        stream.close(http2Constants.NGHTTP2_CANCEL);
        reject(unreachable(`its agent did not connect to the API server within ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      stream.once('response', (headers) => {
        clearTimeout(timer);
        const status = Number(headers[':status']);
        if (status === 200) {
          resolve(stream);
          return;
        }
        stream.close(http2Constants.NGHTTP2_CANCEL);
        reject(unreachable(`its agent could not reach the API server: ${status}`));
      });
      stream.once('error', (error: Error) => {
        clearTimeout(timer);
        reject(unreachable(`the tunnel stream failed: ${error.message}`));
      });
    });
  }

  /** Relays the cluster's 101 with its headers as sent, then bytes both ways until both sides are done. */
  private splice(
    client: Socket,
    clientHead: Buffer,
    upstream: Duplex,
    upstreamHead: Buffer,
    response: IncomingMessage,
    record: RequestRecord,
    register: () => () => void,
  ): void {
    const lines = [`HTTP/1.1 ${response.statusCode} ${response.statusMessage ?? 'Switching Protocols'}`];
    for (let i = 0; i < response.rawHeaders.length; i += 2) lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    client.write(head);
    record.bytesOut += head.length;
    if (upstreamHead.length > 0) {
      client.write(upstreamHead);
      record.bytesOut += upstreamHead.length;
    }
    if (clientHead.length > 0) {
      upstream.write(clientHead);
      record.bytesIn += clientHead.length;
    }
    const forget = register();
    for (const socket of [client, upstream]) {
      // A tunnel stream is no socket: the tunnel has its own heartbeats, HTTP/2 its own framing.
      if (!(socket instanceof Socket)) continue;
      socket.setNoDelay(true);
      socket.setTimeout(0);
      socket.setKeepAlive(true, 30_000);
    }
    // Half-close: when one side has sent everything (or vanished), pass its end on after the
    // bytes already queued for the other (end() flushes, destroy() would drop them: the last
    // frames of an exec), and keep relaying what the other side still has to say.
    const passEnd = (to: Duplex) => {
      if (to.writableEnded || to.destroyed) return;
      to.end();
      setTimeout(() => to.destroy(), HALF_CLOSE_GRACE_MS).unref();
    };
    pump(client, upstream, (bytes) => (record.bytesIn += bytes));
    pump(upstream, client, (bytes) => (record.bytesOut += bytes));
    client.once('end', () => passEnd(upstream));
    upstream.once('end', () => passEnd(client));
    upstream.on('error', (error) => this.logger.debug({ err: error }, 'upstream side of an upgraded stream failed'));
    const onClose = (other: Duplex) => () => {
      passEnd(other);
      if (client.destroyed && upstream.destroyed) forget();
    };
    client.once('close', onClose(upstream));
    upstream.once('close', onClose(client));
  }

  private relayRefusal(socket: Socket, response: IncomingMessage, record: RequestRecord): void {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      if (size < MAX_REFUSAL_BODY) chunks.push(chunk);
      size += chunk.length;
    });
    response.once('end', () => {
      const body = Buffer.concat(chunks).subarray(0, MAX_REFUSAL_BODY);
      const headerLines: string[] = [];
      for (let i = 0; i < response.rawHeaders.length; i += 2) {
        const name = response.rawHeaders[i].toLowerCase();
        if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection' || name === 'keep-alive') continue;
        headerLines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
      }
      const status = response.statusCode ?? 502;
      const raw = rawResponse(status, response.statusMessage ?? STATUS_CODES[status] ?? '', headerLines, body);
      record.status = status;
      record.bytesOut += raw.length;
      socket.end(raw);
    });
    response.once('error', () => socket.destroy());
  }

  private refuse(socket: Duplex, record: RequestRecord, error: unknown): void {
    let reply: KubeStatusReply;
    if (error instanceof ProxyException) {
      reply = kubeStatusFor(error);
    } else {
      const errorId = randomUUID();
      this.logger.error({ err: error, errorId, path: record.path }, 'upgrade request failed');
      reply = internalErrorStatus(errorId);
    }
    record.status = reply.code;
    if (socket.destroyed) return;
    const headerLines = ['Content-Type: application/json', 'Cache-Control: no-cache, private'];
    if (reply.retryAfterSeconds !== undefined) headerLines.push(`Retry-After: ${reply.retryAfterSeconds}`);
    const raw = rawResponse(reply.code, STATUS_CODES[reply.code] ?? '', headerLines, Buffer.from(reply.body));
    record.bytesOut += raw.length;
    socket.end(raw);
  }
}
