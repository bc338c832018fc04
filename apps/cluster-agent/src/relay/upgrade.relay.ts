/*
 * Trust model of upgrades (exec, attach, port-forward: CONNECT streams).
 * - Connects: only to the API server, whatever the stream's :authority says, so the agent is
 *   never a way into other addresses of the cluster network.
 * - Carries: the bytes the proxy writes (the client's HTTP/1.1 upgrade request with the person's
 *   JIT token) and the API server's answer, unchanged. The agent's own credential never goes on
 *   these connections: no client certificate, and it does not touch the bytes.
 */
import { constants, ServerHttp2Stream } from 'node:http2';
import net from 'node:net';
import tls, { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { ClusterAccess } from '../kubernetes/cluster-access';
import { respondWithStatus } from './kube-status';

const CONNECT_TIMEOUT_MS = 10_000;
// After one side ends, the other has this long to finish (an exec's last output, a closing
// frame) before both are cut.
const HALF_CLOSE_GRACE_MS = 30_000;
const KEEP_ALIVE_DELAY_MS = 30_000;

/** Relays a CONNECT stream as raw bytes over a TLS connection (ALPN http/1.1) to the API server. */
export class UpgradeRelay {
  private readonly sockets = new Set<TLSSocket>();

  constructor(
    private readonly cluster: ClusterAccess,
    private readonly logger: Logger,
  ) {}

  relay(stream: ServerHttp2Stream): void {
    const apiServer = this.cluster.apiServer.url;
    const options = this.cluster.connection('person').tls;
    const socket = tls.connect({
      ...options,
      // Half-open, so an end from one side is relayed as an end rather than closing both ways.
      socket: net.connect({ host: options.host, port: options.port ?? 443, allowHalfOpen: true, noDelay: true }),
      ALPNProtocols: ['http/1.1'],
    });
    this.sockets.add(socket);
    const connectTimer = setTimeout(() => socket.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    socket.once('secureConnect', () => {
      clearTimeout(connectTimer);
      if (stream.destroyed) {
        socket.destroy();
        return;
      }
      socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200 });
      this.splice(stream, socket);
    });
    socket.on('error', (error) => {
      clearTimeout(connectTimer);
      if (!stream.headersSent) {
        this.logger.warn({ err: error, apiServer }, 'API server unreachable for an upgrade');
        respondWithStatus(stream, 502, 'ServiceUnavailable', `the Portcullis cluster agent could not reach the API server ${apiServer}: ${error.message}`);
      } else if (!stream.destroyed) {
        // RFC 9113 8.5: a CONNECT stream whose TCP connection failed is reset with CONNECT_ERROR.
        stream.close(constants.NGHTTP2_CONNECT_ERROR);
      }
    });
    socket.once('close', () => {
      clearTimeout(connectTimer);
      this.sockets.delete(socket);
    });
    // A stream that ended cleanly both ways has already passed its end on to the socket, which
    // flushes and closes by itself; anything else (a reset, a tunnel that went away) cuts it now.
    stream.once('close', () => {
      const endedCleanly = stream.rstCode === constants.NGHTTP2_NO_ERROR && stream.readableEnded && stream.writableFinished;
      if (!endedCleanly) socket.destroy();
    });
  }

  /** Connections to the API server that upgrades hold open now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** Cuts every relayed connection (shutdown). */
  closeAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Both ways, with backpressure; an end on one side becomes an end (after flushing) on the other. */
  private splice(stream: ServerHttp2Stream, socket: TLSSocket): void {
    stream.pipe(socket);
    socket.pipe(stream);
    let grace: NodeJS.Timeout | undefined;
    const startGrace = () => {
      grace ??= setTimeout(() => {
        socket.destroy();
        if (!stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
      }, HALF_CLOSE_GRACE_MS).unref();
    };
    stream.once('end', startGrace);
    socket.once('end', startGrace);
    let open = 2;
    const closed = () => {
      if (--open === 0) clearTimeout(grace);
    };
    stream.once('close', closed);
    socket.once('close', closed);
  }
}
