import { constants, type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';

export interface PooledHttp2SessionOptions {
  /** Streams assumed until the server's SETTINGS arrive (a real API server allows 100). */
  defaultStreams: number;
  /**
   * The most streams put on one connection even when the server allows more, so one lost TCP
   * connection never takes every watch with it.
   */
  maxStreams: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** A connection without streams for this long is closed. */
  idleCloseMs: number;
  /** The error a connection is destroyed with when a ping goes unanswered. */
  pingFailure: string;
}

/**
 * RST_STREAM codes with which a server turns a stream away before processing it (RFC 9113 §8.7):
 * such a stream may be sent again, on another connection.
 */
export function wasRefusedUnprocessed(code: number | undefined): boolean {
  return code === constants.NGHTTP2_REFUSED_STREAM || code === constants.NGHTTP2_ENHANCE_YOUR_CALM;
}

/**
 * One pooled HTTP/2 client connection to an API server (the proxy's direct upstreams, the
 * agent's connections to its own API server): how many streams it carries and may carry, a
 * ping that ends it when the other side silently died (which would otherwise hold every watch
 * on it forever), and an idle close. The pool owning it learns through `onGone` when it must
 * stop handing it out.
 */
export class PooledHttp2Session {
  active = 0;
  capacity: number;
  usable = true;
  private idleTimer?: NodeJS.Timeout;
  private readonly pingTimer: NodeJS.Timeout;

  constructor(
    readonly session: ClientHttp2Session,
    private readonly options: PooledHttp2SessionOptions,
    private readonly onGone: (session: PooledHttp2Session) => void,
  ) {
    this.capacity = options.defaultStreams;
    session.on('remoteSettings', (settings) => {
      this.capacity = Math.max(1, Math.min(settings.maxConcurrentStreams ?? options.defaultStreams, options.maxStreams));
    });
    session.on('goaway', () => this.retire());
    session.on('error', () => this.retire());
    session.once('close', () => {
      this.retire();
      clearInterval(this.pingTimer);
      clearTimeout(this.idleTimer);
    });
    this.pingTimer = setInterval(() => this.ping(), options.pingIntervalMs).unref();
  }

  get hasRoom(): boolean {
    return this.usable && this.active < this.capacity;
  }

  open(headers: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream {
    const stream = this.session.request(headers, { endStream });
    this.active++;
    clearTimeout(this.idleTimer);
    // The server turned the stream away (over a limit of its own): give it no more. On 'error',
    // which comes before 'close', so a caller sending the request again gets another connection.
    stream.once('error', () => {
      if (wasRefusedUnprocessed(stream.rstCode)) this.retire();
    });
    stream.once('close', () => {
      this.active--;
      if (this.active === 0 && this.usable) this.idleTimer = setTimeout(() => this.session.close(), this.options.idleCloseMs).unref();
    });
    return stream;
  }

  /** Stops handing it out; the streams on it finish. */
  retire(): void {
    if (!this.usable) return;
    this.usable = false;
    this.onGone(this);
  }

  close(): void {
    this.retire();
    if (!this.session.destroyed) this.session.close();
  }

  private ping(): void {
    if (this.session.destroyed || this.session.connecting) return;
    const timer = setTimeout(() => this.session.destroy(new Error(this.options.pingFailure)), this.options.pingTimeoutMs).unref();
    const sent = this.session.ping((error) => {
      clearTimeout(timer);
      if (error && !this.session.destroyed) this.session.destroy(error);
    });
    if (!sent) clearTimeout(timer);
  }
}
