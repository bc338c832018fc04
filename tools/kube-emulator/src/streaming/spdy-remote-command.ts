import type { Duplex } from 'node:stream';
import { errorStreamPayload } from './exec-outcome';
import { ExecSession } from './exec-session';
import type { OpenPodStream } from './pod-stream-registry';
import type { PodStreamTarget } from './pod-stream-target';
import { SpdySession, type SpdyStream } from './spdy-session';
import type { RemoteCommandOptions } from './stream-request';

/** The remote-command protocols over SPDY, newest first, as a kubelet negotiates them. */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

// A kubelet's default streamCreationTimeout.
const STREAM_CREATION_TIMEOUT_MS = 30_000;
// How long a terminated session has to deliver its exit status before the connection is dropped.
const TERMINATE_GRACE_MS = 1_000;

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

/**
 * exec or attach over SPDY/3.1: the client opens one SPDY stream per standard stream, named by
 * its `streamType` header, and the session starts once all the request asked for are there.
 * The exit status goes on the `error` stream; then every stream is half-closed and the client,
 * having read each to EOF, hangs up.
 */
export class SpdyRemoteCommand implements OpenPodStream {
  readonly namespace: string;
  readonly pod: string;
  readonly closed: Promise<void>;
  private readonly expected: Set<StreamType>;
  private readonly streams = new Map<StreamType, SpdyStream>();
  private readonly session: ExecSession;
  private readonly spdy: SpdySession;
  private readonly creationTimer: NodeJS.Timeout;
  private readonly version: number;

  constructor(
    wire: Duplex,
    protocol: string,
    kind: 'exec' | 'attach',
    private readonly options: RemoteCommandOptions,
    target: PodStreamTarget,
  ) {
    this.namespace = target.namespace;
    this.pod = target.pod;
    // '' is a client from before protocol negotiation: version 1.
    this.version = protocol === 'channel.k8s.io' || protocol === '' ? 1 : Number(protocol.slice(1, 2));
    this.expected = new Set<StreamType>(['error']);
    if (options.stdin) this.expected.add('stdin');
    if (options.stdout) this.expected.add('stdout');
    // With a tty, stderr is part of stdout: clients open no stderr stream.
    if (options.stderr && !options.tty) this.expected.add('stderr');
    if (options.tty && this.version >= 3) this.expected.add('resize');

    this.session = new ExecSession(kind, options, target, {
      stdout: (data) => this.streams.get('stdout')?.write(data),
      stderr: (data) => this.streams.get('stderr')?.write(data),
    });
    this.spdy = new SpdySession(wire, (stream) => this.accept(stream));
    this.closed = new Promise((resolve) =>
      this.spdy.onClose(() => {
        clearTimeout(this.creationTimer);
        this.session.kill();
        resolve();
      }),
    );
    this.creationTimer = setTimeout(() => this.spdy.destroy(), STREAM_CREATION_TIMEOUT_MS).unref();
  }

  terminate(): void {
    this.session.kill();
    setTimeout(() => this.spdy.destroy(), TERMINATE_GRACE_MS).unref();
  }

  private accept(stream: SpdyStream): void {
    const type = String(stream.headers.streamtype ?? '') as StreamType;
    if (!this.expected.has(type) || this.streams.has(type)) {
      stream.abort();
      return;
    }
    this.streams.set(type, stream);
    if (type === 'stdin') {
      stream.on('data', (data: Buffer) => this.session.receiveStdin(data));
      stream.on('end', () => this.session.endStdin());
    } else {
      // Resize messages, and anything a client writes on an output stream, have no reader here.
      stream.resume();
    }
    if (this.streams.size === this.expected.size) {
      clearTimeout(this.creationTimer);
      void this.run();
    }
  }

  private async run(): Promise<void> {
    const outcome = await this.session.run();
    if (this.spdy.isClosed) return;
    const payload = errorStreamPayload(outcome, this.options.command, this.version >= 4 ? 'status' : 'message');
    const errorStream = this.streams.get('error');
    if (payload) errorStream?.write(payload);
    for (const stream of this.streams.values()) stream.end();
    this.spdy.finish();
  }
}
