import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { stringify as toYaml } from 'yaml';
import type { UserInfo } from '../api/kube-object';
import type { RequestInfo } from '../api/request-info-parser';
import { StatusError } from '../api/status-error';
import type { AccessLog } from '../access-log';
import type { Clock } from '../clock';

// One request on its way through the pipeline: what it asks for, who it runs as, and the single
// access-log entry written when its response starts.

export type ApiRequest = IncomingMessage | Http2ServerRequest;
export type ApiResponse = ServerResponse | Http2ServerResponse;

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export class RequestContext {
  readonly url: URL;
  readonly auditId = randomUUID();
  info!: RequestInfo;
  user?: UserInfo;
  impersonator?: string;
  decision: 'allow' | 'deny' = 'deny';
  reason?: string;
  private recorded = false;

  constructor(
    readonly req: ApiRequest,
    readonly res: ApiResponse,
    private readonly accessLog: AccessLog,
    private readonly clock: Clock,
  ) {
    this.url = new URL(req.url ?? '/', 'https://emulator.invalid');
  }

  get query(): URLSearchParams {
    return this.url.searchParams;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** Every value of a header that may repeat (Impersonate-Group), kept apart even in HTTP/1.1. */
  headerValues(name: string): string[] {
    const distinct = (this.req as IncomingMessage).headersDistinct?.[name];
    if (distinct) return distinct;
    const value = this.req.headers[name];
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
  }

  send(code: number, body: string, contentType = 'application/json'): void {
    this.writeHead(code, contentType);
    this.res.end(body);
  }

  sendJson(code: number, value: unknown): void {
    this.send(code, JSON.stringify(value));
  }

  /** JSON or YAML, as the client asked. */
  sendDocument(code: number, json: string, yaml: boolean): void {
    if (yaml) this.send(code, toYaml(JSON.parse(json)), 'application/yaml');
    else this.send(code, json);
  }

  sendError(error: StatusError): void {
    if (this.res.headersSent) {
      this.res.end();
      return;
    }
    this.sendJson(error.code, error.toStatus());
  }

  /** Starts a streamed response (watch, log follow) and sends its headers at once. */
  startStream(contentType: string): void {
    this.writeHead(200, contentType);
    (this.res as { flushHeaders?: () => void }).flushHeaders?.();
  }

  /** A chunk of a streamed response. */
  write(chunk: string): void {
    (this.res as { write(chunk: string): boolean }).write(chunk);
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  async readBody(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw StatusError.requestEntityTooLarge();
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  private writeHead(code: number, contentType: string): void {
    // Both response types take these arguments; their overloads differ, so the union cannot be called.
    (this.res as ServerResponse).writeHead(code, {
      'content-type': contentType,
      'cache-control': 'no-cache, private',
      'audit-id': this.auditId,
    });
    this.record(code);
  }

  record(code: number): void {
    if (this.recorded) return;
    this.recorded = true;
    this.accessLog.record({
      time: this.clock.date(),
      method: this.req.method ?? '',
      path: this.url.pathname,
      info: this.info,
      user: this.user,
      impersonator: this.impersonator,
      decision: this.decision,
      reason: this.reason,
      code,
    });
  }
}
