import { AGENT_CREDENTIAL_HEADER } from '@portcullis/platform/tunnel';
import http2, { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';

// Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection; HTTP/2 forbids most of them anyway.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

/** Tokens of a `Connection` header name more hop-by-hop headers. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  if (!value) return new Set();
  return new Set(String(value).split(',').map((token) => token.trim().toLowerCase()));
}

/**
 * Whose credential a request carries upstream: the person's (the Authorization the proxy set, with
 * their JIT token) or the agent's own (the provisioner's calls), which replaces any Authorization.
 */
export type ForwardedCredential = { kind: 'person' } | { kind: 'self'; authorization: string | undefined };

export interface ApiServerTarget {
  authority: string;
  /** The API server's base path plus the stream's path. */
  path: string;
}

/** The request the API server receives for a tunnel stream. */
export function apiServerRequestHeaders(incoming: IncomingHttpHeaders, target: ApiServerTarget, credential: ForwardedCredential): OutgoingHttpHeaders {
  const named = connectionTokens(incoming);
  const headers: OutgoingHttpHeaders = {
    ':method': incoming[':method'],
    ':scheme': 'https',
    ':authority': target.authority,
    ':path': target.path,
  };
  for (const name of Object.keys(incoming)) {
    if (name.startsWith(':') || HOP_BY_HOP.has(name) || named.has(name) || name === AGENT_CREDENTIAL_HEADER) continue;
    if (name === 'authorization' && credential.kind === 'self') continue;
    headers[name] = incoming[name];
  }
  if (incoming.te === 'trailers') headers.te = 'trailers';
  if (credential.kind === 'self' && credential.authorization) headers.authorization = credential.authorization;
  // Never put a bearer token in the HPACK dynamic table.
  (headers as Record<symbol, string[]>)[http2.sensitiveHeaders] = ['authorization'];
  return headers;
}

/** The response headers the tunnel stream answers with (status and end-to-end headers). */
export function tunnelResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ':status': upstream[':status'] };
  for (const name of Object.keys(upstream)) {
    if (name.startsWith(':') || HOP_BY_HOP.has(name)) continue;
    headers[name] = upstream[name];
  }
  return headers;
}
