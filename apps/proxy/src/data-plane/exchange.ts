import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { constants as http2Constants, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Readable, Writable } from 'node:stream';
import { ProxyErrorCode, ProxyException } from '../errors/proxy.exception';

export type ClientRequest = IncomingMessage | Http2ServerRequest;
export type ClientResponse = ServerResponse | Http2ServerResponse;

// What kube-apiserver serves; anything else (TRACE, CONNECT, WebDAV…) is refused before routing.
const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function isHttp2(request: ClientRequest): request is Http2ServerRequest {
  return request.httpVersionMajor === 2;
}

/**
 * Checks node's HTTP/1.1 parser leaves to the application: the method, and a Transfer-Encoding
 * it accepts in the headers but may refuse only after the request handler has started (e.g.
 * `xchunked`). Over HTTP/2 the header block size is checked here too.
 */
export function assertWellFormed(request: ClientRequest, maxHeaderBytes: number): void {
  const method = request.method ?? '';
  if (!ALLOWED_METHODS.has(method)) throw new ProxyException(ProxyErrorCode.MethodNotAllowed, `the method ${JSON.stringify(method.slice(0, 32))} is not supported`);
  if (isHttp2(request)) {
    let size = 0;
    const raw = request.rawHeaders;
    for (let i = 0; i < raw.length; i++) size += raw[i].length + (i % 2 === 1 ? 32 : 0);
    if (size > maxHeaderBytes) throw new ProxyException(ProxyErrorCode.MalformedRequest, `the request headers exceed ${maxHeaderBytes} bytes`);
    return;
  }
  const transferEncoding = request.headers['transfer-encoding'];
  if (transferEncoding !== undefined && transferEncoding.trim().toLowerCase() !== 'chunked') {
    throw new ProxyException(ProxyErrorCode.MalformedRequest, 'the Transfer-Encoding of the request is not supported');
  }
}

export function hasRequestBody(request: ClientRequest): boolean {
  if (isHttp2(request)) return !request.stream.endAfterHeaders;
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = request.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** Ends the client side of an exchange at once: the HTTP/2 stream, or the HTTP/1.1 connection. */
export function abortClient(request: ClientRequest, response: ClientResponse): void {
  if (response instanceof Http2ServerResponse) {
    if (!response.stream.closed) response.stream.close(http2Constants.NGHTTP2_CANCEL);
    return;
  }
  request.socket?.destroy();
}

/**
 * Sets the status and headers. Both response types take the same arguments, but their overloads
 * differ, so TypeScript cannot call writeHead on the union.
 */
export function writeHead(response: ClientResponse, status: number, headers: OutgoingHttpHeaders): void {
  (response as ServerResponse).writeHead(status, headers);
}

/** Sends the status line and headers now, before any body (watches, log follows). */
export function flushHeaders(response: ClientResponse): void {
  // Both implement it; node's type for the HTTP/2 compatibility response omits it.
  (response as ServerResponse).flushHeaders();
}

/**
 * Copies `source` into `sink` as it arrives, pausing the source while the sink is full (so
 * HTTP/2 flow control and TCP push back on the sender), counting bytes on the way.
 */
export function pump(source: Readable, sink: Writable, count: (bytes: number) => void): void {
  source.on('data', (chunk: Buffer) => {
    count(chunk.length);
    if (!sink.write(chunk)) source.pause();
  });
  sink.on('drain', () => source.resume());
}
