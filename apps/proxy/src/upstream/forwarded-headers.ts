import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are never forwarded; an
// upgrade puts back the two it needs.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

/**
 * Headers the client may not choose for the cluster: its own credential, any impersonation,
 * forwarding claims (the proxy states the peer itself) and trace context (the proxy's own span
 * is the parent upstream).
 */
function isClientControlled(name: string): boolean {
  return (
    name === 'authorization' ||
    name.startsWith('impersonate-') ||
    name.startsWith('x-forwarded-') ||
    name === 'forwarded' ||
    name === 'x-real-ip' ||
    name === 'traceparent' ||
    name === 'tracestate' ||
    // Portcullis' own headers (e.g. the agent-credential marker) are set only by Portcullis.
    name.startsWith('portcullis-') ||
    // HTTP/2 offers no 100-continue here; the proxy streams the body anyway.
    name === 'expect'
  );
}

/** Tokens of the client's `Connection` header name more hop-by-hop headers. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  if (!value) return new Set();
  return new Set(value.split(',').map((token) => token.trim().toLowerCase()));
}

export interface ForwardingContext {
  /** The person's JIT ServiceAccount token for this cluster. */
  token: string;
  /** The TCP peer of the client connection. */
  peerAddress: string;
  /** An upgrade keeps `Connection: Upgrade` and `Upgrade`; everything else drops them. */
  upgrade: boolean;
}

/** The request headers the cluster receives (lower-case names; no HTTP/2 pseudo-headers). */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, context: ForwardingContext): OutgoingHttpHeaders {
  const named = connectionTokens(incoming);
  const headers: OutgoingHttpHeaders = {};
  for (const name of Object.keys(incoming)) {
    if (name.startsWith(':') || HOP_BY_HOP.has(name) || named.has(name) || isClientControlled(name)) continue;
    headers[name] = incoming[name];
  }
  if (context.upgrade) {
    headers.connection = 'Upgrade';
    if (incoming.upgrade) headers.upgrade = incoming.upgrade;
  }
  headers.authorization = `Bearer ${context.token}`;
  headers['x-forwarded-for'] = context.peerAddress;
  return headers;
}

/** The response headers the client receives from an HTTP/2 upstream answer. */
export function clientResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const name of Object.keys(upstream)) {
    if (name.startsWith(':') || HOP_BY_HOP.has(name)) continue;
    headers[name] = upstream[name];
  }
  return headers;
}
