import type { Duplex } from 'node:stream';
import { connection as spdyConnection, type SpdyConnection, type SpdyStream } from 'spdy-transport';

export type { SpdyStream };

// SPDY windows are 31-bit.
const LARGEST_WINDOW = 0x7fffffff;
// How long a finished session waits for the client to hang up before the server does.
const HANG_UP_GRACE_MS = 5_000;
const DESTROY_GRACE_MS = 1_000;

/**
 * The server side of one SPDY/3 connection as Kubernetes clients speak it (client-go over
 * moby/spdystream), on top of spdy-transport. Two mismatches between them are bridged here:
 * - spdystream's SYN_STREAM frames carry only Kubernetes headers (`streamtype`, `port`,
 *   `requestid`), while spdy-transport's parser rejects a stream without `:method` and `:path`
 *   and drops the whole connection.
 * - spdystream never sends WINDOW_UPDATE (it has no flow control), so spdy-transport would stall
 *   every stream after its first 64 KiB of output, silently: kubectl then prints a truncated
 *   output and exits 0. The initial send window is raised to the largest SPDY allows, 2 GiB per
 *   stream, which is as close as spdy-transport gets to a kubelet's "no flow control".
 * The session speaks version 3, not 3.1, so there is no connection-level send window either.
 */
export class SpdySession {
  private readonly connection: SpdyConnection;
  private readonly closeListeners: Array<() => void> = [];
  private closed = false;
  private hangUpTimer?: NodeJS.Timeout;

  constructor(
    private readonly wire: Duplex,
    onStream: (stream: SpdyStream) => void,
  ) {
    // A peer vanishing mid-write is the ordinary end of a session, not a fault.
    wire.on('error', () => this.destroy());
    this.connection = spdyConnection.create(wire, { protocol: 'spdy', isServer: true });
    acceptSpdystreamFrames(this.connection);
    this.connection.on('error', () => this.destroy());
    this.connection.on('close', () => this.onClosed());
    this.connection.on('stream', (stream) => {
      // Streams are reset by clients as part of normal teardown (client-go RemoveStreams).
      stream.on('error', () => undefined);
      // spdystream's CreateStream waits for the SYN_REPLY, and drops DATA that arrives before it.
      stream.respond(200, {});
      onStream(stream);
    });
    this.connection.start(3);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /**
   * Everything has been written and every stream ended. Clients hang up once they have read
   * every stream to EOF, so the server waits for that rather than risk cutting off the last
   * frames; only a client that never hangs up is disconnected.
   */
  finish(): void {
    if (this.closed || this.hangUpTimer) return;
    this.hangUpTimer = setTimeout(() => {
      this.wire.end();
      this.hangUpTimer = setTimeout(() => this.destroy(), DESTROY_GRACE_MS);
    }, HANG_UP_GRACE_MS);
  }

  destroy(): void {
    if (!this.wire.destroyed) this.wire.destroy();
    // A wrapped WebSocket reports its close asynchronously; streams must not wait for it.
    this.onClosed();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.hangUpTimer);
    this.connection.destroyStreams();
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}

function acceptSpdystreamFrames(connection: SpdyConnection): void {
  const state = connection._spdyState;
  state.streamWindow.send.setMax(LARGEST_WINDOW);
  const parser = state.parser;
  const parseKVs = parser.parseKVs.bind(parser);
  parser.parseKVs = (buffer, callback) =>
    parseKVs(buffer, (err, headers) => {
      if (headers) {
        headers[':method'] ??= 'POST';
        headers[':path'] ??= '/';
      }
      callback(err, headers);
    });
}
