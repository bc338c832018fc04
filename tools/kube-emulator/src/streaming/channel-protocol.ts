import type { RawData } from 'ws';

/**
 * The Kubernetes channel protocols over WebSocket: every message starts with the channel it
 * belongs to (one byte in the binary protocols; one ASCII digit followed by base64 text in the
 * base64 ones).
 */
export interface ChannelProtocol {
  /** The subprotocol; '' when the client offered none. */
  readonly name: string;
  readonly encoding: 'binary' | 'base64';
  /** v4+ end with a JSON Status on the error channel; older ones with a bare message. */
  readonly exitStatus: 'status' | 'message';
  /** v5: the client ends stdin with a close message on channel 255. */
  readonly closeMessages: boolean;
}

export const STDIN_CHANNEL = 0;
export const STDOUT_CHANNEL = 1;
export const STDERR_CHANNEL = 2;
export const ERROR_CHANNEL = 3;
export const RESIZE_CHANNEL = 4;
export const CLOSE_CHANNEL = 255;

const protocol = (name: string, encoding: ChannelProtocol['encoding'], exitStatus: ChannelProtocol['exitStatus'], closeMessages = false): ChannelProtocol => ({
  name,
  encoding,
  exitStatus,
  closeMessages,
});

// What a kubelet (and the API server's stream translator) accept for exec and attach.
export const REMOTE_COMMAND_CHANNEL_PROTOCOLS: ChannelProtocol[] = [
  protocol('v5.channel.k8s.io', 'binary', 'status', true),
  protocol('v4.channel.k8s.io', 'binary', 'status'),
  protocol('v4.base64.channel.k8s.io', 'base64', 'status'),
  protocol('channel.k8s.io', 'binary', 'message'),
  protocol('base64.channel.k8s.io', 'base64', 'message'),
  protocol('', 'binary', 'message'),
];

// What a kubelet accepts for port-forward over plain channels (not the SPDY tunnel).
export const PORT_FORWARD_CHANNEL_PROTOCOLS: ChannelProtocol[] = [
  protocol('v4.channel.k8s.io', 'binary', 'status'),
  protocol('v4.base64.channel.k8s.io', 'base64', 'status'),
  protocol('', 'binary', 'status'),
];

/** The first protocol the client offers that is supported, as Kubernetes' wsstream picks it. */
export function negotiateChannelProtocol(offered: string[], supported: ChannelProtocol[]): ChannelProtocol | undefined {
  if (offered.length === 0) return supported.find((candidate) => candidate.name === '');
  for (const name of offered) {
    const match = supported.find((candidate) => candidate.name !== '' && candidate.name === name);
    if (match) return match;
  }
  return undefined;
}

export class ChannelCodec {
  constructor(private readonly encoding: ChannelProtocol['encoding']) {}

  encode(channel: number, payload: Buffer): { data: Buffer | string; binary: boolean } {
    if (this.encoding === 'binary') return { data: Buffer.concat([Buffer.of(channel), payload]), binary: true };
    return { data: String.fromCharCode(0x30 + channel) + payload.toString('base64'), binary: false };
  }

  decode(message: RawData, isBinary: boolean): { channel: number; payload: Buffer } | null {
    const data = Buffer.isBuffer(message) ? message : Array.isArray(message) ? Buffer.concat(message) : Buffer.from(message);
    if (data.length === 0) return null;
    if (this.encoding === 'binary' || isBinary) return { channel: data[0], payload: data.subarray(1) };
    const text = data.toString('latin1');
    return { channel: text.charCodeAt(0) - 0x30, payload: Buffer.from(text.slice(1), 'base64') };
  }
}
