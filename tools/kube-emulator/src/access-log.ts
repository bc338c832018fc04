import type { UserInfo } from './api/kube-object';
import type { RequestInfo } from './api/request-info-parser';

// Every request the emulator answered, with the identity it acted for and the authorization
// decision, so tests can prove which identity reached "the cluster" and what it was refused.

export interface AccessLogEntry {
  time: string;
  /** The identity the request ran as (after impersonation); '' when authentication failed. */
  user: string;
  groups: string[];
  /** Set when the request impersonated `user`: who actually authenticated. */
  impersonator?: string;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
  decision: 'allow' | 'deny';
  reason?: string;
  code: number;
}

export interface RequestOutcome {
  time: Date;
  method: string;
  path: string;
  info?: RequestInfo;
  user?: UserInfo;
  impersonator?: string;
  decision: 'allow' | 'deny';
  reason?: string;
  code: number;
}

export class AccessLog {
  readonly entries: AccessLogEntry[] = [];

  constructor(private readonly limit = 50_000) {}

  record(outcome: RequestOutcome): void {
    const { info, user } = outcome;
    this.append({
      time: outcome.time.toISOString(),
      user: user?.username ?? '',
      groups: user?.groups ?? [],
      ...(outcome.impersonator ? { impersonator: outcome.impersonator } : {}),
      verb: info?.verb ?? outcome.method.toLowerCase(),
      apiGroup: info?.apiGroup ?? '',
      resource: info?.resource ?? '',
      subresource: info?.subresource ?? '',
      namespace: info?.namespace ?? '',
      name: info?.name ?? '',
      path: outcome.path,
      decision: outcome.decision,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      code: outcome.code,
    });
  }

  private append(entry: AccessLogEntry): void {
    this.entries.push(entry);
    // Bounded for long-running demos; tests stay far below the limit.
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }
}
