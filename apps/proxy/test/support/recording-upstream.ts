import { ensureDevPki } from '@portcullis/dev-pki';
import fs from 'node:fs';
import http2, { IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/**
 * An HTTPS (HTTP/2 and HTTP/1.1) server standing in for an API server when a test must see
 * exactly what the proxy sends upstream; it answers every request with `{}`.
 */
export class RecordingUpstream {
  readonly requests: RecordedRequest[] = [];
  /** Streams that arrived, refused ones included. */
  streamsReceived = 0;
  /** How many of the next HTTP/2 streams to turn away unprocessed (RST_STREAM REFUSED_STREAM). */
  refuseNext = 0;

  private constructor(
    private readonly server: http2.Http2SecureServer,
    readonly caPem: string,
    private readonly dir: string,
  ) {}

  static async start(): Promise<RecordingUpstream> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recording-upstream-'));
    const pki = await ensureDevPki(dir);
    const server = http2.createSecureServer({ cert: fs.readFileSync(pki.proxyCertFile), key: fs.readFileSync(pki.proxyKeyFile), allowHTTP1: true });
    const upstream = new RecordingUpstream(server, fs.readFileSync(pki.proxyCaCertFile, 'utf8'), dir);
    server.on('request', (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => {
      upstream.streamsReceived++;
      if (upstream.refuseNext > 0 && request.httpVersionMajor === 2) {
        upstream.refuseNext--;
        request.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      upstream.requests.push({ method: request.method, path: request.url, headers: request.headers });
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return upstream;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      setTimeout(resolve, 1_000).unref();
    });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
