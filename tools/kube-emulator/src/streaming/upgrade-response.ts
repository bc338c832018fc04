import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StreamRequestError } from './stream-request';

/** The 101 that hands the connection to SPDY; the socket carries SPDY frames from the next byte on. */
export function writeSpdyUpgrade(socket: Duplex, protocol: string): void {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1'];
  if (protocol) lines.push(`X-Stream-Protocol-Version: ${protocol}`);
  lines.push(`Date: ${new Date().toUTCString()}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
}

/** Refuses an upgrade the way the API server refuses any request: a Status, then hang up. */
export function refuseUpgrade(socket: Duplex, error: StreamRequestError): void {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
    code: error.code,
  });
  socket.end(
    [
      `HTTP/1.1 ${error.code} ${STATUS_CODES[error.code]}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}

/** `X-Stream-Protocol-Version` (repeated or comma-joined) or `Sec-WebSocket-Protocol`, in the client's order. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
}
