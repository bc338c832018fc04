import { ProxyRequestV1 } from '@portcullis/contracts';
import { randomUUID } from 'node:crypto';
import type { KubeconfigCredential } from '../credentials/client-certificate.verifier';
import type { RequestInfo } from '../routing/request-info.parser';

const MAX_TEXT = 2_048;

function clip(value: string): string {
  return value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value;
}

/** What is known about one request as it goes, turned into its audit event when it ends. */
export class RequestRecord {
  private readonly startedAt = performance.now();
  credential: KubeconfigCredential | null = null;
  cluster: string | null = null;
  info: RequestInfo | null = null;
  /** The path as received, until the route is known. */
  path: string;
  decision: 'allowed' | 'denied' = 'denied';
  status = 0;
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    private readonly method: string,
    target: string,
    private readonly userAgent: string,
    private readonly sourceAddress: string,
    private readonly traceId: string | null,
  ) {
    const queryStart = target.indexOf('?');
    this.path = queryStart === -1 ? target : target.slice(0, queryStart);
  }

  get elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  toEvent(): ProxyRequestV1 {
    const info = this.info;
    return {
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      userId: this.credential?.userId ?? null,
      groups: this.credential?.groups ?? [],
      kubeconfigId: this.credential?.kubeconfigId ?? null,
      cluster: this.cluster,
      decision: this.decision,
      verb: info?.verb || this.method.toLowerCase() || 'unknown',
      apiGroup: info?.apiGroup ?? '',
      apiVersion: info?.apiVersion ?? '',
      resource: info?.resource ?? '',
      subresource: info?.subresource ?? '',
      namespace: info?.namespace ?? '',
      name: info?.name ?? '',
      path: clip(info?.path ?? this.path),
      responseStatus: this.status >= 100 && this.status <= 599 ? this.status : 500,
      latencyMs: Math.round(this.elapsedMs * 1000) / 1000,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      userAgent: clip(this.userAgent),
      sourceAddress: this.sourceAddress,
      traceId: this.traceId,
    };
  }
}
