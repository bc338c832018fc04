import http2, { constants, type ClientHttp2Session, type Http2Server, type OutgoingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { ClusterAccess } from '../kubernetes/cluster-access';
import type { ApiServerSessionPool } from './api-server-session.pool';
import { ApiServerRelay } from './api-server.relay';

function listen(server: Http2Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function exchange(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let text = '';
    let status = 0;
    stream.setEncoding('utf8');
    stream.on('response', (received) => (status = Number(received[':status'])));
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve({ status, body: text }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

describe(ApiServerRelay.name, () => {
  let apiServer: Http2Server;
  let tunnel: Http2Server;
  let toApiServer: ClientHttp2Session;
  let throughTunnel: ClientHttp2Session;
  let refuseNext: number;
  let opened: number;

  beforeEach(async () => {
    refuseNext = 0;
    opened = 0;
    // The API server turns away as many streams as told (REFUSED_STREAM, unprocessed), then answers.
    apiServer = http2.createServer();
    apiServer.on('stream', (stream) => {
      if (refuseNext > 0) {
        refuseNext--;
        // Node reports a stream it resets with an error code as an 'error' on its own side too.
        stream.on('error', () => undefined);
        stream.close(constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end('answered');
    });
    toApiServer = http2.connect(await listen(apiServer));
    const pool = {
      open: (_credential: string, headers: OutgoingHttpHeaders, endStream: boolean) => {
        opened++;
        return toApiServer.request(headers, { endStream });
      },
    } as unknown as ApiServerSessionPool;
    const cluster = { apiServer: { url: 'https://api.invalid', authority: 'api.invalid', basePath: '' }, selfAuthorization: undefined } as unknown as ClusterAccess;
    const sut = new ApiServerRelay(cluster, pool, pino({ level: 'silent' }));
    tunnel = http2.createServer();
    tunnel.on('stream', (stream, headers) => sut.forward(stream, headers));
    throughTunnel = http2.connect(await listen(tunnel));
  });

  afterEach(async () => {
    throughTunnel.destroy();
    toApiServer.destroy();
    await Promise.all([new Promise((resolve) => tunnel.close(resolve)), new Promise((resolve) => apiServer.close(resolve))]);
  });

  it('sends a bodiless request the API server refused unprocessed once more, as Go clients do', async () => {
    refuseNext = 1;
    await expect(exchange(throughTunnel, { ':method': 'GET', ':path': '/api/v1/namespaces/team-a/pods?watch=1' })).resolves.toEqual({ status: 200, body: 'answered' });
    expect(opened).toBe(2);
  });

  it('sends it once more only: a second refusal is answered with 502', async () => {
    refuseNext = 2;
    const answer = await exchange(throughTunnel, { ':method': 'GET', ':path': '/api/v1/pods' });
    expect(answer.status).toBe(502);
    expect(answer.body).toContain('could not reach the API server');
    expect(opened).toBe(2);
  });

  it('never sends a request with a body twice', async () => {
    refuseNext = 1;
    const answer = await exchange(throughTunnel, { ':method': 'POST', ':path': '/api/v1/namespaces/team-a/configmaps', 'content-type': 'application/json' }, '{}');
    expect(answer.status).toBe(502);
    expect(opened).toBe(1);
  });
});
