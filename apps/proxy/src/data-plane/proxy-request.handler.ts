/*
 * Trust model of request forwarding.
 * - Trusts: nothing the client says about itself; only the connection's certificate (RequestGate).
 * - Verifies: method, path and framing before anything else; identity, revocation and access
 *   before any byte goes upstream.
 * - Sends upstream: the client's request with its Authorization, Impersonate-*, X-Forwarded-*
 *   and hop-by-hop headers removed, under the person's JIT ServiceAccount token.
 */
import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import { wasRefusedUnprocessed } from '@portcullis/platform/tunnel';
import { context, propagation, trace } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { constants as http2Constants, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { Logger } from 'pino';
import { RequestRecord } from '../audit/request-record';
import { internalErrorStatus, kubeStatusFor } from '../errors/kube-status';
import { ProxyErrorCode, ProxyException } from '../errors/proxy.exception';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { ClusterRoute } from '../routing/cluster-route';
import { RequestInfo } from '../routing/request-info.parser';
import { clientResponseHeaders, upstreamRequestHeaders } from '../upstream/forwarded-headers';
import { UpstreamPool } from '../upstream/upstream-pool';
import { abortClient, ClientRequest, ClientResponse, flushHeaders, hasRequestBody, isHttp2, pump, writeHead } from './exchange';
import { OpenStreamRegistry } from './open-stream.registry';
import { Admission, RequestGate } from './request-gate';
import { IdentifiedRequest, RequestLifecycle } from './request-lifecycle';

/** The connection failure under node's "stream cancelled" wrapper, as `CODE: message`. */
function describeFailure(error: NodeJS.ErrnoException): string {
  const cause = (error.cause as NodeJS.ErrnoException | undefined) ?? error;
  return `${cause.code ?? 'error'}: ${cause.message}`;
}

/** Every ordinary (non-upgrade) request of the data plane, HTTP/1.1 and HTTP/2 alike. */
@Injectable()
export class ProxyRequestHandler {
  private readonly logger: Logger;

  constructor(
    private readonly gate: RequestGate,
    private readonly lifecycle: RequestLifecycle,
    private readonly pool: UpstreamPool,
    private readonly streams: OpenStreamRegistry,
    private readonly metrics: ProxyMetrics,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'data-plane' });
  }

  readonly handle = (request: ClientRequest, response: ClientResponse): void => {
    const { span, record } = this.lifecycle.begin(`proxy ${request.method}`, request);
    response.once('close', () => this.lifecycle.finish(record, span));
    context.with(trace.setSpan(context.active(), span), () => this.process(request, response, record));
  };

  /**
   * Synchronous while the person's access, the cluster and the JIT token are cached, as they are
   * for nearly every request: each promise costs a trip through the microtask queue and, with
   * tracing's async context on, a few hooks more — measured at a third of the proxy's throughput.
   */
  private process(request: ClientRequest, response: ClientResponse, record: RequestRecord): void {
    try {
      this.lifecycle.assertAccepting(request);
      const identified = this.lifecycle.identify(request, record);
      const admission = this.gate.admitFromCache(identified.credential, identified.route.cluster);
      if (admission) this.forward(request, response, record, admission, identified.route, identified.info, true);
      else void this.admitAndForward(request, response, record, identified);
    } catch (error) {
      this.refuse(request, response, record, error);
    }
  }

  /** The first request of a person on a cluster, or after a cache expired: policy and the provisioner are asked. */
  private async admitAndForward(request: ClientRequest, response: ClientResponse, record: RequestRecord, { route, info, credential }: IdentifiedRequest): Promise<void> {
    try {
      const admission = await this.gate.admit(credential, route.cluster);
      if (response.destroyed) return;
      this.forward(request, response, record, admission, route, info, true);
    } catch (error) {
      this.refuse(request, response, record, error);
    }
  }

  private forward(
    request: ClientRequest,
    response: ClientResponse,
    record: RequestRecord,
    admission: Admission,
    route: ClusterRoute,
    info: RequestInfo,
    mayRenewToken: boolean,
  ): void {
    const { target } = admission;
    const withBody = hasRequestBody(request);
    const headers: OutgoingHttpHeaders = upstreamRequestHeaders(request.headers, {
      token: admission.token,
      peerAddress: request.socket?.remoteAddress ?? '',
      upgrade: false,
    });
    headers[':method'] = request.method;
    headers[':path'] = `${target.basePath}${route.path}${route.query}`;
    headers[':authority'] = target.authority;
    headers[':scheme'] = 'https';
    propagation.inject(context.active(), headers);

    const sentAt = performance.now();
    const upstream: ClientHttp2Stream = this.pool.open(target, headers, !withBody);
    const forget = this.streams.add({
      credential: admission.credential,
      cluster: target.cluster,
      namespace: info.namespace,
      coveredBy: admission.access.coverage(target.cluster, info.namespace),
      close: () => {
        if (!upstream.closed) upstream.close(http2Constants.NGHTTP2_CANCEL);
        abortClient(request, response);
      },
    });
    const onClientGone = () => {
      forget();
      // A response read to its end needs no cancel: the client's 'close' often comes before the
      // upstream stream's own, and a RST_STREAM per finished request is noise to an API server
      // and, through an agent tunnel, counts against nghttp2's rapid-reset limit.
      if (!upstream.closed && !upstream.readableEnded) upstream.close(http2Constants.NGHTTP2_CANCEL);
    };
    response.once('close', onClientGone);
    upstream.once('close', forget);

    if (withBody) {
      pump(request, upstream, (bytes) => (record.bytesIn += bytes));
      request.once('end', () => upstream.end());
    }

    upstream.once('response', (upstreamHeaders: IncomingHttpHeaders) => {
      const status = Number(upstreamHeaders[':status']);
      this.metrics.observeUpstreamLatency(target.cluster, (performance.now() - sentAt) / 1000);
      if (status === 401) {
        // The cluster no longer accepts the token (e.g. its ServiceAccount expired): a bodiless
        // read is retried once with a fresh one; anything else returns the 401 and the next
        // request provisions anew.
        if (mayRenewToken && !withBody && (request.method === 'GET' || request.method === 'HEAD')) {
          response.removeListener('close', onClientGone);
          forget();
          upstream.close(http2Constants.NGHTTP2_CANCEL);
          void this.retryWithFreshToken(request, response, record, admission, route, info);
          return;
        }
        void this.gate.renewToken(admission).catch(() => undefined);
      }
      record.status = status;
      record.decision = 'allowed';
      writeHead(response, status, clientResponseHeaders(upstreamHeaders));
      // A streamed answer (watch, follow: no length) must show its headers before the first
      // event; a sized one goes out with its body in one write.
      if (upstreamHeaders['content-length'] === undefined) flushHeaders(response);
      pump(upstream, response, (bytes) => (record.bytesOut += bytes));
      upstream.once('end', () => response.end());
    });

    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (response.destroyed || response.writableEnded) return;
      if (!response.headersSent) {
        // The API server turned the stream away unprocessed (its connection is going away, e.g.
        // --goaway-chance, or over a limit): a bodiless request is sent once more, as Go's HTTP/2
        // client does; the pool no longer hands out that connection.
        if (mayRenewToken && !withBody && wasRefusedUnprocessed(upstream.rstCode)) {
          response.removeListener('close', onClientGone);
          forget();
          this.forward(request, response, record, admission, route, info, false);
          return;
        }
        this.refuse(request, response, record, new ProxyException(ProxyErrorCode.ClusterUnreachable, `cluster "${target.cluster}" is unreachable (${describeFailure(error)}); retry later`));
        return;
      }
      this.logger.warn({ err: error, cluster: target.cluster }, 'upstream stream failed mid-response');
      abortClient(request, response);
    });
  }

  private async retryWithFreshToken(
    request: ClientRequest,
    response: ClientResponse,
    record: RequestRecord,
    admission: Admission,
    route: ClusterRoute,
    info: RequestInfo,
  ): Promise<void> {
    try {
      const renewed = await this.gate.renewToken(admission);
      if (response.destroyed) return;
      this.forward(request, response, record, renewed, route, info, false);
    } catch (error) {
      this.refuse(request, response, record, error);
    }
  }

  private refuse(request: ClientRequest, response: ClientResponse, record: RequestRecord, error: unknown): void {
    let reply;
    if (error instanceof ProxyException) {
      reply = kubeStatusFor(error);
    } else {
      const errorId = randomUUID();
      this.logger.error({ err: error, errorId, path: record.path }, 'request failed');
      reply = internalErrorStatus(errorId);
    }
    record.status = reply.code;
    if (response.headersSent || response.destroyed) {
      abortClient(request, response);
      return;
    }
    const body = Buffer.from(reply.body);
    const headers: OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-cache, private' };
    if (reply.retryAfterSeconds !== undefined) headers['retry-after'] = String(reply.retryAfterSeconds);
    if (reply.closeConnection && !isHttp2(request)) headers.connection = 'close';
    writeHead(response, reply.code, headers);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    response.end(body);
    record.bytesOut = body.length;
  }
}
