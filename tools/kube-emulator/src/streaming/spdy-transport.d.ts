// spdy-transport ships no types. Only what spdy-session.ts uses is declared, including the
// few internals it must reach to talk to Go's spdystream (see spdy-session.ts for why).
declare module 'spdy-transport' {
  import type { Duplex } from 'node:stream';

  export interface SpdyStream extends Duplex {
    readonly id: number;
    readonly headers: Record<string, string | string[] | undefined>;
    respond(status: number, headers: Record<string, string>, callback?: (err?: Error) => void): void;
    abort(callback?: () => void): void;
  }

  interface WindowSide {
    setMax(max: number): void;
  }

  interface SpdyParser {
    parseKVs(
      buffer: unknown,
      callback: (err: Error | null, headers?: Record<string, string | string[]>) => void,
    ): void;
  }

  export interface SpdyConnection {
    start(version: 2 | 3 | 3.1): void;
    on(event: 'stream', listener: (stream: SpdyStream) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'close', listener: () => void): this;
    destroyStreams(err?: Error): void;
    _spdyState: {
      parser: SpdyParser;
      streamWindow: { send: WindowSide };
    };
  }

  export const connection: {
    create(
      socket: Duplex,
      options: { protocol: 'spdy' | 'http2'; isServer: boolean; windowSize?: number },
    ): SpdyConnection;
  };
}
