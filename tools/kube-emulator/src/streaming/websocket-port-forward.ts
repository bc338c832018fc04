import { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { ChannelCodec, type ChannelProtocol } from './channel-protocol';
import type { OpenPodStream } from './pod-stream-registry';
import type { PodStreamTarget } from './pod-stream-target';
import { PortForwarder } from './port-forwarder';

/** One channel of the WebSocket as a stream: what is written goes out on the channel. */
class WebSocketChannel extends Duplex {
  constructor(private readonly sendPayload: (payload: Buffer) => void) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.sendPayload(chunk);
    callback();
  }

  override _read(): void {
    // Data is pushed as messages arrive.
  }
}

/**
 * port-forward over plain WebSocket channels (`v4.channel.k8s.io`, as @kubernetes/client-node
 * uses it): one connection per WebSocket to each port in `?ports=`, on channel 2i (data) and
 * 2i+1 (error). Both channels of a port first carry the port number, two bytes little-endian.
 * The WebSocket closes once every forwarded connection is over.
 */
export class WebSocketPortForward implements OpenPodStream {
  readonly namespace: string;
  readonly pod: string;
  readonly closed: Promise<void>;
  private readonly codec: ChannelCodec;
  private readonly channels: WebSocketChannel[] = [];

  constructor(
    private readonly ws: WebSocket,
    protocol: ChannelProtocol,
    private readonly ports: number[],
    private readonly target: PodStreamTarget,
  ) {
    this.namespace = target.namespace;
    this.pod = target.pod;
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    this.codec = new ChannelCodec(protocol.encoding);
  }

  async run(): Promise<void> {
    this.ws.on('error', () => this.ws.terminate());
    this.ws.on('close', () => {
      for (const channel of this.channels) channel.destroy();
    });
    this.ws.on('message', (message, isBinary) => {
      const frame = this.codec.decode(message, isBinary);
      // Only data channels (even numbers) are written by the client.
      if (frame && frame.channel % 2 === 0) this.channels[frame.channel]?.push(frame.payload);
    });

    const forwarder = new PortForwarder(this.target);
    const forwards = this.ports.map((port, index) => {
      const portBytes = Buffer.alloc(2);
      portBytes.writeUInt16LE(port);
      const data = this.openChannel(index * 2, portBytes);
      const error = this.openChannel(index * 2 + 1, portBytes);
      return forwarder.forward(port, data, error);
    });
    await Promise.all(forwards);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }

  terminate(): void {
    this.ws.terminate();
  }

  private openChannel(channel: number, portBytes: Buffer): WebSocketChannel {
    const stream = new WebSocketChannel((payload) => this.send(channel, payload));
    this.channels[channel] = stream;
    this.send(channel, portBytes);
    return stream;
  }

  private send(channel: number, payload: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN || payload.length === 0) return;
    const { data, binary } = this.codec.encode(channel, payload);
    this.ws.send(data, { binary });
  }
}
