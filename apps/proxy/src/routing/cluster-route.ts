import { ProxyErrorCode, ProxyException } from '../errors/proxy.exception';

/** `https://<proxy>/clusters/<cluster>/<path>?<query>`: what a kubeconfig context's server URL leads to. */
export interface ClusterRoute {
  cluster: string;
  /** Starts with `/`, exactly as the client sent it (still percent-encoded). */
  path: string;
  /** `''` or `?…`, exactly as the client sent it. */
  query: string;
}

const PREFIX = '/clusters/';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// Encoded dot, slash and backslash let a path change meaning after decoding; NUL ends strings
// in C parsers along the way. None occurs in a path a Kubernetes client builds.
const ENCODED_ESCAPE = /%(2e|2f|5c|00)/i;
/** Backslash (a separator to some parsers), controls, space and DEL. */
function hasForbiddenCharacter(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}

function refuse(message: string): never {
  throw new ProxyException(ProxyErrorCode.PathNotAllowed, message);
}

/**
 * Splits a request target into cluster and forwarded path. The path is forwarded unchanged, so
 * it is refused outright (never normalised) when normalising could make it mean something else:
 * dot segments, empty segments, encoded separators or dots, backslashes, NUL.
 */
export function parseClusterRoute(target: string): ClusterRoute {
  if (!target.startsWith('/')) {
    throw new ProxyException(ProxyErrorCode.MalformedRequest, 'the request target must be an absolute path');
  }
  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? '' : target.slice(queryStart);

  if (hasForbiddenCharacter(rawPath)) refuse('the path contains a backslash or a control character');
  if (ENCODED_ESCAPE.test(rawPath)) refuse('the path contains an encoded dot, slash, backslash or NUL');
  const segments = rawPath.split('/');
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '.' || segment === '..') refuse('the path contains a "." or ".." segment');
    // A trailing slash is a real part of some paths (e.g. service proxy roots); `//` is not.
    if (segment === '' && i < segments.length - 1) refuse('the path contains an empty segment ("//")');
  }

  if (!rawPath.startsWith(PREFIX)) {
    throw new ProxyException(ProxyErrorCode.NotProxied, 'the Portcullis proxy serves only /clusters/<cluster>/…: check the server URL in your kubeconfig');
  }
  const rest = rawPath.slice(PREFIX.length);
  const slash = rest.indexOf('/');
  const cluster = slash === -1 ? rest : rest.slice(0, slash);
  if (!DNS_LABEL.test(cluster)) {
    throw new ProxyException(ProxyErrorCode.UnknownCluster, 'the path does not name a cluster (/clusters/<cluster>/…)');
  }
  return { cluster, path: slash === -1 ? '/' : rest.slice(slash), query };
}
