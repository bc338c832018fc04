import { Inject, Injectable } from '@nestjs/common';
import { Span, SpanKind, trace } from '@opentelemetry/api';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { ClusterDirectory } from '../access/cluster-directory';
import { AuditTrail } from '../audit/audit-trail';
import { RequestRecord } from '../audit/request-record';
import { ProxyConfig } from '../config/proxy.config';
import type { KubeconfigCredential } from '../credentials/client-certificate.verifier';
import { ProxyErrorCode, ProxyException } from '../errors/proxy.exception';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { ClusterRoute, parseClusterRoute } from '../routing/cluster-route';
import { RequestInfo, RequestInfoParser } from '../routing/request-info.parser';
import { DataPlaneState } from './data-plane.state';
import { assertWellFormed, ClientRequest } from './exchange';
import { RequestGate } from './request-gate';

const tracer = trace.getTracer('portcullis-proxy');

function traceIdOf(span: Span): string | null {
  const spanContext = span.spanContext();
  return trace.isSpanContextValid(spanContext) ? spanContext.traceId : null;
}

/** Who asks, for which cluster, and what the API server will take the request to be. */
export interface IdentifiedRequest {
  route: ClusterRoute;
  info: RequestInfo;
  credential: KubeconfigCredential;
}

/**
 * What every request of the data plane goes through, ordinary or upgrade, in one place so the
 * two cannot drift apart: its root span and audit record, the refusals before routing, who is
 * asking for which cluster, and how it is counted and recorded when it ends.
 */
@Injectable()
export class RequestLifecycle {
  private readonly maxHeaderBytes: number;

  constructor(
    private readonly gate: RequestGate,
    private readonly clusters: ClusterDirectory,
    private readonly audit: AuditTrail,
    private readonly metrics: ProxyMetrics,
    private readonly parser: RequestInfoParser,
    private readonly state: DataPlaneState,
    @Inject(SERVICE_CONFIG) config: ProxyConfig,
  ) {
    this.maxHeaderBytes = config.MAX_HEADER_BYTES;
  }

  begin(spanName: string, request: ClientRequest): { span: Span; record: RequestRecord } {
    const span = tracer.startSpan(spanName, { kind: SpanKind.SERVER, root: true });
    const record = new RequestRecord(
      request.method ?? '',
      request.url ?? '',
      String(request.headers['user-agent'] ?? ''),
      request.socket?.remoteAddress ?? '',
      traceIdOf(span),
    );
    return { span, record };
  }

  /** Refusals that need no route or person: the proxy is draining or cannot record, or the request is malformed. */
  assertAccepting(request: ClientRequest): void {
    if (this.state.draining) throw new ProxyException(ProxyErrorCode.ShuttingDown, 'the proxy is restarting; retry');
    if (!this.audit.acceptsRequests) throw new ProxyException(ProxyErrorCode.AuditUnavailable, 'requests cannot be recorded in the audit trail right now; retry later');
    assertWellFormed(request, this.maxHeaderBytes);
  }

  /** Each part goes into the record as soon as it is known, so a refusal further on is recorded with it. */
  identify(request: ClientRequest, record: RequestRecord): IdentifiedRequest {
    const route = parseClusterRoute(request.url ?? '');
    record.cluster = route.cluster;
    const info = this.parser.parse(request.method ?? '', route.path, route.query);
    record.info = info;
    const credential = this.gate.authenticate(request.socket);
    record.credential = credential;
    return { route, info, credential };
  }

  finish(record: RequestRecord, span: Span): void {
    if (record.status === 0) record.status = 499;
    span.setAttribute('http.response.status_code', record.status);
    span.end();
    this.metrics.countRequest(record.cluster && this.clusters.isKnown(record.cluster) ? record.cluster : '', record.status);
    this.audit.record(record.toEvent());
  }
}
