import { WebSocket } from 'ws';
import {
  ChannelCodec,
  CLOSE_CHANNEL,
  ERROR_CHANNEL,
  STDERR_CHANNEL,
  STDIN_CHANNEL,
  STDOUT_CHANNEL,
  type ChannelProtocol,
} from './channel-protocol';
import { errorStreamPayload } from './exec-outcome';
import { ExecSession } from './exec-session';
import type { OpenPodStream } from './pod-stream-registry';
import type { PodStreamTarget } from './pod-stream-target';
import type { RemoteCommandOptions } from './stream-request';

// How long a terminated session waits for the client's close frame before dropping the socket.
const TERMINATE_GRACE_MS = 1_000;

/** exec or attach over a WebSocket speaking one of the channel protocols (v5, v4, v1). */
export class WebSocketRemoteCommand implements OpenPodStream {
  readonly namespace: string;
  readonly pod: string;
  readonly closed: Promise<void>;
  private readonly codec: ChannelCodec;
  private readonly session: ExecSession;

  constructor(
    private readonly ws: WebSocket,
    private readonly protocol: ChannelProtocol,
    kind: 'exec' | 'attach',
    private readonly options: RemoteCommandOptions,
    target: PodStreamTarget,
  ) {
    this.namespace = target.namespace;
    this.pod = target.pod;
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    this.codec = new ChannelCodec(protocol.encoding);
    this.session = new ExecSession(kind, options, target, {
      stdout: (data) => this.send(STDOUT_CHANNEL, data),
      stderr: (data) => this.send(STDERR_CHANNEL, data),
    });
  }

  /** Runs the session to its end; resolves once the close handshake has started. */
  async run(): Promise<void> {
    this.ws.on('error', () => this.ws.terminate());
    this.ws.on('close', () => this.session.kill());
    this.ws.on('message', (message, isBinary) => {
      const frame = this.codec.decode(message, isBinary);
      if (!frame) return;
      if (frame.channel === STDIN_CHANNEL) this.session.receiveStdin(frame.payload);
      else if (frame.channel === CLOSE_CHANNEL && this.protocol.closeMessages && frame.payload[0] === STDIN_CHANNEL) this.session.endStdin();
      // Anything else is a resize (channel 4), which the built-in programs have no use for.
    });
    // As the API server does: an empty message on the lowest channel the client reads tells it
    // the session is up.
    const first = this.options.stdout ? STDOUT_CHANNEL : this.options.stderr ? STDERR_CHANNEL : ERROR_CHANNEL;
    this.send(first, Buffer.alloc(0));

    const outcome = await this.session.run();
    const payload = errorStreamPayload(outcome, this.options.command, this.protocol.exitStatus);
    if (payload) this.send(ERROR_CHANNEL, payload);
    // ws sends the close frame after every queued message, so nothing written above is lost.
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }

  terminate(): void {
    this.session.kill();
    setTimeout(() => this.ws.terminate(), TERMINATE_GRACE_MS).unref();
  }

  private send(channel: number, payload: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const { data, binary } = this.codec.encode(channel, payload);
    this.ws.send(data, { binary });
  }
}
