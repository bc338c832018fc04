import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';

export interface Http2Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions walk arbitrary JSON
  json<T = Record<string, any>>(): T;
}

/** One request on an HTTP/2 session, body collected. */
export function http2Request(session: ClientHttp2Session, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Http2Response> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers = { ':method': method, ':path': path, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers };
    const stream = session.request(headers, { endStream: payload === undefined });
    const chunks: Buffer[] = [];
    let responseHeaders: IncomingHttpHeaders = {};
    stream.on('response', (received) => (responseHeaders = received));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body, json: () => JSON.parse(body) });
    });
    stream.on('error', reject);
    if (payload !== undefined) stream.end(payload);
  });
}

export interface WatchEvent {
  type: string;
  object: { kind?: string; metadata?: { name?: string; resourceVersion?: string } };
}

/** An open watch stream: its status once known, and every event decoded as it arrives. */
export class Http2Watch {
  readonly events: WatchEvent[] = [];
  status = 0;
  ended = false;
  /** The body of a refused watch (a Status). */
  refusal = '';
  readonly stream: ClientHttp2Stream;
  private buffered = '';

  constructor(session: ClientHttp2Session, path: string, headers: Record<string, string> = {}) {
    this.stream = session.request({ ':method': 'GET', ':path': path, ...headers });
    this.stream.setEncoding('utf8');
    this.stream.on('response', (received) => (this.status = Number(received[':status'])));
    this.stream.on('data', (chunk: string) => {
      if (this.status !== 200) {
        this.refusal += chunk;
        return;
      }
      this.buffered += chunk;
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) !== -1) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        if (line.trim()) this.events.push(JSON.parse(line) as WatchEvent);
      }
    });
    this.stream.on('close', () => (this.ended = true));
    this.stream.on('error', () => undefined);
  }

  close(): void {
    this.stream.close();
  }
}
