/*
 * Trust model of the relay of ordinary requests (a tunnel stream → the API server).
 * - Trusts: the proxy (authenticated by the tunnel's TLS) to have authenticated and authorised the
 *   person and to have set their JIT token as Authorization; the API server checks that token.
 * - Applies: the agent's own credential only to streams marked AGENT_CREDENTIAL_HEADER: self (the
 *   provisioner's calls, which run with the agent's least-privilege ServiceAccount); an unknown
 *   marker is refused rather than guessed at.
 * - Never: sends a stream anywhere but the API server's own paths, or buffers a body: every pipe
 *   honours backpressure, so a slow reader slows only its own stream.
 */
import { AGENT_CREDENTIAL_HEADER, AGENT_CREDENTIAL_SELF, wasRefusedUnprocessed } from '@portcullis/platform/tunnel';
import { ClientHttp2Stream, constants, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Logger } from 'pino';
import { ClusterAccess } from '../kubernetes/cluster-access';
import { ApiServerSessionPool } from './api-server-session.pool';
import { apiServerRequestHeaders, ForwardedCredential, tunnelResponseHeaders } from './forwarded-headers';
import { respondWithStatus } from './kube-status';

/** Forwards one tunnel stream to the API server over the pooled HTTP/2 connections and relays the answer. */
export class ApiServerRelay {
  constructor(
    private readonly cluster: ClusterAccess,
    private readonly pool: ApiServerSessionPool,
    private readonly logger: Logger,
  ) {}

  forward(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const marker = headers[AGENT_CREDENTIAL_HEADER];
    if (marker !== undefined && marker !== AGENT_CREDENTIAL_SELF) {
      respondWithStatus(stream, 400, 'BadRequest', `${AGENT_CREDENTIAL_HEADER} must be "${AGENT_CREDENTIAL_SELF}" when present`);
      return;
    }
    const credential: ForwardedCredential = marker === AGENT_CREDENTIAL_SELF ? { kind: 'self', authorization: this.cluster.selfAuthorization } : { kind: 'person' };
    const api = this.cluster.apiServer;
    const outgoing = apiServerRequestHeaders(headers, { authority: api.authority, path: `${api.basePath}${String(headers[':path'])}` }, credential);

    this.send(stream, credential.kind, outgoing, true);
  }

  private send(stream: ServerHttp2Stream, credential: ForwardedCredential['kind'], outgoing: OutgoingHttpHeaders, mayRetry: boolean): void {
    let upstream: ClientHttp2Stream;
    try {
      upstream = this.pool.open(credential, outgoing, stream.endAfterHeaders);
    } catch (error) {
      this.unreachable(stream, error as Error);
      return;
    }

    let retried = false;
    upstream.once('response', (responseHeaders) => {
      if (stream.destroyed || stream.closed) return;
      stream.respond(tunnelResponseHeaders(responseHeaders));
      upstream.pipe(stream);
    });
    upstream.on('error', (error) => {
      // A stream the API server refused before doing anything with it (its connection is going
      // away, or over a limit) is safe to send again when it has no body, as Go's HTTP/2 client
      // does; the pool has stopped handing out that connection.
      if (mayRetry && stream.endAfterHeaders && !stream.headersSent && !stream.destroyed && wasRefusedUnprocessed(upstream.rstCode)) {
        retried = true;
        this.send(stream, credential, outgoing, false);
        return;
      }
      this.upstreamFailed(stream, error);
    });
    upstream.once('close', () => {
      if (retried) return;
      // The API server is done with the request; whatever body is still coming is dropped.
      stream.unpipe(upstream);
      if (!stream.readableEnded) stream.resume();
      const reset = upstream.rstCode !== undefined && upstream.rstCode !== constants.NGHTTP2_NO_ERROR;
      if (reset) this.upstreamFailed(stream, new Error(`the API server reset the stream (HTTP/2 error ${upstream.rstCode})`), upstream.rstCode);
      else if (!stream.headersSent) this.upstreamFailed(stream, new Error('the API server closed the stream without an answer'));
    });
    // A client that cancels (a watch it stops, a request it abandons) cancels the upstream stream too.
    stream.once('close', () => {
      if (!upstream.closed && !upstream.destroyed) upstream.close(constants.NGHTTP2_CANCEL);
    });
    if (!stream.endAfterHeaders) stream.pipe(upstream);
  }

  /** Before the answer started: a 502 Status naming the API server; after: the stream is reset. */
  private upstreamFailed(stream: ServerHttp2Stream, error: Error, code: number = constants.NGHTTP2_INTERNAL_ERROR): void {
    if (stream.destroyed || stream.writableEnded) return;
    if (!stream.headersSent) {
      this.unreachable(stream, error);
      return;
    }
    stream.close(code === constants.NGHTTP2_CANCEL ? constants.NGHTTP2_CANCEL : constants.NGHTTP2_INTERNAL_ERROR);
  }

  private unreachable(stream: ServerHttp2Stream, error: Error): void {
    const apiServer = this.cluster.apiServer.url;
    this.logger.warn({ err: error, apiServer }, 'API server unreachable for a tunnel stream');
    respondWithStatus(stream, 502, 'ServiceUnavailable', `the Portcullis cluster agent could not reach the API server ${apiServer}: ${error.message}`);
  }
}

