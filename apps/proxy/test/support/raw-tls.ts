import tls from 'node:tls';
import type { ClientCredential } from './client-certificates';

export interface RawExchange {
  /** Everything the server sent. */
  response: string;
  /** Whether the server closed the connection (rather than the test giving up waiting). */
  closedByServer: boolean;
}

/**
 * Writes raw bytes on a fresh TLS connection (HTTP/1.1 by ALPN) and collects the answer until the
 * server closes the connection or `waitMs` passes: what kubectl's parser-level tests cannot send.
 */
export function rawTlsExchange(url: string, caPem: string, credential: ClientCredential | undefined, payload: string | Buffer, waitMs = 3_000): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca: caPem, cert: credential?.certPem, key: credential?.keyPem, ALPNProtocols: ['http/1.1'] }, () =>
      socket.write(payload),
    );
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closedByServer: false });
    }, waitMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ response, closedByServer: true });
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (response) resolve({ response, closedByServer: true });
      else reject(error);
    });
  });
}

/** The status code and parsed JSON body of a raw HTTP/1.1 response. */
export function parseRawResponse(raw: string): { status: number; headers: string; body: unknown } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  const text = raw.slice(split + 4);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status, headers: head, body };
}
