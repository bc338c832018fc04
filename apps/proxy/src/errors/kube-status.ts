import { ProxyErrorCode, ProxyException } from './proxy.exception';

/** A refusal as the API server words it: HTTP status, `Status` body, and what the connection should do. */
export interface KubeStatusReply {
  code: number;
  body: string;
  /** Seconds, for 503s: clients (and Lens) retry after it. */
  retryAfterSeconds?: number;
  /** Malformed input on HTTP/1.1 leaves the parser in an unknown state: answer, then close. */
  closeConnection: boolean;
}

type StatusReason = 'BadRequest' | 'Timeout' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'ServiceUnavailable' | 'InternalError';

export function kubeStatusBody(code: number, reason: StatusReason, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function reply(code: number, reason: StatusReason, message: string, extra: Partial<KubeStatusReply> = {}): KubeStatusReply {
  return { code, body: kubeStatusBody(code, reason, message), closeConnection: false, ...extra };
}

/** The one mapper from the proxy's refusals to Kubernetes `Status` answers. */
export function kubeStatusFor(error: ProxyException): KubeStatusReply {
  switch (error.code) {
    case ProxyErrorCode.MalformedRequest:
    case ProxyErrorCode.MethodNotAllowed:
      return reply(400, 'BadRequest', error.message, { closeConnection: true });
    case ProxyErrorCode.PathNotAllowed:
      return reply(400, 'BadRequest', error.message);
    case ProxyErrorCode.NotProxied:
    case ProxyErrorCode.UnknownCluster:
      return reply(404, 'NotFound', error.message);
    case ProxyErrorCode.CredentialMissing:
    case ProxyErrorCode.CredentialInvalid:
    case ProxyErrorCode.CredentialExpired:
    case ProxyErrorCode.CredentialRevoked:
      return reply(401, 'Unauthorized', `Unauthorized: ${error.message}`);
    case ProxyErrorCode.ClusterNotGranted:
      return reply(403, 'Forbidden', error.message);
    case ProxyErrorCode.PolicyUnavailable:
    case ProxyErrorCode.ProvisionerUnavailable:
    case ProxyErrorCode.ClusterUnreachable:
    case ProxyErrorCode.ClusterDisconnected:
    case ProxyErrorCode.AuditUnavailable:
      return reply(503, 'ServiceUnavailable', error.message, { retryAfterSeconds: 5 });
    case ProxyErrorCode.ShuttingDown:
      return reply(503, 'ServiceUnavailable', error.message, { retryAfterSeconds: 1, closeConnection: true });
  }
}

/** An unexpected failure: the client gets an id to quote, the log gets the details under the same id. */
export function internalErrorStatus(errorId: string): KubeStatusReply {
  return reply(500, 'InternalError', `Internal error in the Portcullis proxy (id ${errorId})`);
}
