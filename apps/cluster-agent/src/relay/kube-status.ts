import { constants, ServerHttp2Stream } from 'node:http2';

type StatusReason = 'BadRequest' | 'MethodNotAllowed' | 'ServiceUnavailable';

/** A refusal as the API server words it, so kubectl shows the message. */
export function kubeStatusBody(code: number, reason: StatusReason, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

/** Answers a tunnel stream with a Status, unless it is gone or already answered; the rest of its request body is drained. */
export function respondWithStatus(stream: ServerHttp2Stream, code: number, reason: StatusReason, message: string): void {
  if (stream.destroyed || stream.headersSent) return;
  const body = kubeStatusBody(code, reason, message);
  stream.respond({
    [constants.HTTP2_HEADER_STATUS]: code,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  stream.end(body);
  stream.resume();
}
