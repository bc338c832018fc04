import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from '../api/kube-object';
import type { RequestInfo } from '../api/request-info-parser';
import { StatusError } from '../api/status-error';
import type { Authenticator, Credentials, PeerCertificate } from '../auth/authenticator';
import type { ImpersonationHeaders, Impersonator } from '../auth/impersonator';
import { forbiddenReason, type AuthorizationAttributes, type RbacAuthorizer } from '../rbac/rbac-authorizer';

// The filter chain in front of every handler, in kube-apiserver's order: authentication (401),
// impersonation (403), authorization (403). Upgrade requests pass through the same chain.

export interface Admission {
  user: UserInfo;
  impersonator?: string;
  reason: string;
}

/** What the chain learned before it refused, for the access log. */
export class AccessDenied extends Error {
  constructor(
    readonly error: StatusError,
    readonly user?: UserInfo,
    readonly impersonator?: string,
  ) {
    super(error.message);
  }
}

const WEBSOCKET_TOKEN_PREFIX = 'base64url.bearer.authorization.k8s.io.';

export class AccessControl {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly impersonator: Impersonator,
    private readonly authorizer: RbacAuthorizer,
  ) {}

  async admit(headers: IncomingHttpHeaders, socket: unknown, info: RequestInfo, headerValues: (name: string) => string[]): Promise<Admission> {
    const requester = await this.authenticator.authenticate(credentialsOf(headers, socket));
    if (!requester) throw new AccessDenied(StatusError.unauthorized());
    let user: UserInfo;
    try {
      user = this.impersonator.apply(requester, impersonationOf(headers, headerValues));
    } catch (e) {
      throw new AccessDenied(e as StatusError, requester);
    }
    const impersonator = user === requester ? undefined : requester.username;
    const decision = this.check(user, info, info.verb);
    if (!decision.allowed) throw new AccessDenied(decision.error, user, impersonator);
    return { user, impersonator, reason: decision.reason };
  }

  /** Authorizes one verb on the request's target (also used for the synthetic `create` on pod upgrades). */
  check(user: UserInfo, info: RequestInfo, verb: string): { allowed: true; reason: string } | { allowed: false; error: StatusError } {
    const attributes: AuthorizationAttributes = { ...info, user, verb };
    const decision = this.authorizer.authorize(attributes);
    if (decision.allowed) return { allowed: true, reason: decision.reason };
    const reason = forbiddenReason(attributes) + (decision.reason ? `: ${decision.reason}` : '');
    const error = info.isResourceRequest
      ? StatusError.forbidden({ group: info.apiGroup, resource: info.resource }, info.name, reason)
      : StatusError.forbiddenPath(reason);
    return { allowed: false, error };
  }
}

function credentialsOf(headers: IncomingHttpHeaders, socket: unknown): Credentials {
  const credentials: Credentials = {};
  const authorization = headers.authorization;
  const bearer = authorization && /^bearer\s+(.+)$/i.exec(authorization.trim());
  if (bearer) credentials.bearerToken = bearer[1].trim();
  else {
    const protocols = String(headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const carried = protocols.find((p) => p.startsWith(WEBSOCKET_TOKEN_PREFIX));
    if (carried) credentials.bearerToken = Buffer.from(carried.slice(WEBSOCKET_TOKEN_PREFIX.length), 'base64url').toString('utf8');
  }
  const tls = socket as Partial<TLSSocket> | undefined;
  if (tls && typeof tls.getPeerCertificate === 'function') {
    const cert = tls.getPeerCertificate();
    if (cert && Object.keys(cert).length > 0) {
      credentials.certificate = { authorized: tls.authorized === true, subject: cert.subject as PeerCertificate['subject'] };
    }
  }
  return credentials;
}

function impersonationOf(headers: IncomingHttpHeaders, headerValues: (name: string) => string[]): ImpersonationHeaders {
  const extra: Record<string, string[]> = {};
  for (const name of Object.keys(headers)) {
    if (!name.startsWith('impersonate-extra-')) continue;
    extra[decodeURIComponent(name.slice('impersonate-extra-'.length))] = headerValues(name);
  }
  const user = headerValues('impersonate-user')[0];
  const uid = headerValues('impersonate-uid')[0];
  return {
    ...(user !== undefined ? { user } : {}),
    groups: headerValues('impersonate-group'),
    ...(uid !== undefined ? { uid } : {}),
    extra,
  };
}
