import type { Duplex } from 'node:stream';
import type { OpenPodStream } from './pod-stream-registry';
import type { PodStreamTarget } from './pod-stream-target';
import { PortForwarder } from './port-forwarder';
import { SpdySession, type SpdyStream } from './spdy-session';

export const SPDY_PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

// A kubelet's default streamCreationTimeout: how long half of a pair waits for the other.
const STREAM_PAIR_TIMEOUT_MS = 30_000;

interface PendingPair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/**
 * port-forward over SPDY (`portforward.k8s.io`), on a raw upgraded connection or tunnelled in
 * a WebSocket. For every local connection the client opens an `error` and a `data` stream that
 * share a `requestID` and name the pod's `port`; each complete pair is one forwarded connection.
 */
export class SpdyPortForward implements OpenPodStream {
  readonly namespace: string;
  readonly pod: string;
  readonly closed: Promise<void>;
  private readonly spdy: SpdySession;
  private readonly forwarder: PortForwarder;
  private readonly pending = new Map<string, PendingPair>();

  constructor(wire: Duplex, target: PodStreamTarget) {
    this.namespace = target.namespace;
    this.pod = target.pod;
    this.forwarder = new PortForwarder(target);
    this.spdy = new SpdySession(wire, (stream) => this.accept(stream));
    this.closed = new Promise((resolve) =>
      this.spdy.onClose(() => {
        for (const pair of this.pending.values()) clearTimeout(pair.timer);
        this.pending.clear();
        resolve();
      }),
    );
  }

  terminate(): void {
    this.spdy.destroy();
  }

  private accept(stream: SpdyStream): void {
    const type = String(stream.headers.streamtype ?? '');
    if (type !== 'error' && type !== 'data') {
      stream.abort();
      return;
    }
    // Clients from before requestID paired a data stream with the error stream opened just before it.
    const requestId = String(stream.headers.requestid ?? (type === 'data' ? stream.id - 2 : stream.id));
    let pair = this.pending.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => this.abandon(requestId), STREAM_PAIR_TIMEOUT_MS).unref();
      pair = { timer };
      this.pending.set(requestId, pair);
    }
    if (pair[type]) {
      stream.abort();
      return;
    }
    pair[type] = stream;
    if (!pair.error || !pair.data) return;

    clearTimeout(pair.timer);
    this.pending.delete(requestId);
    // The client never writes on the error stream; it only half-closes it.
    pair.error.resume();
    const port = Number(pair.data.headers.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      pair.error.end(`invalid port header "${String(pair.data.headers.port ?? '')}"`);
      pair.data.end();
      return;
    }
    void this.forwarder.forward(port, pair.data, pair.error);
  }

  private abandon(requestId: string): void {
    const pair = this.pending.get(requestId);
    this.pending.delete(requestId);
    pair?.error?.abort();
    pair?.data?.abort();
  }
}
